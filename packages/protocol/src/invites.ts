import { z } from "zod";
import { Id, IsoDate } from "./common.ts";
import { ConversationSummary } from "./conversations.ts";

/** The longest an invite may live: 30 days. */
export const MAX_INVITE_HOURS = 30 * 24;

/** The most uses an invite may allow. */
export const MAX_INVITE_USES = 10_000;

/**
 * The secret part of an invite link. It is a random UUID (122 random bits, so it cannot be
 * guessed) and has the shape of every other id in the API.
 */
export const InviteCode = z.uuid();

export const CreateInviteBody = z.strictObject({
  /** How long the invite works, in hours: 1 to 720 (30 days). */
  expiresInHours: z.number().int().min(1).max(MAX_INVITE_HOURS),
  /** How many people may join with it; without it, anyone with the link until it expires. */
  maxUses: z.number().int().min(1).max(MAX_INVITE_USES).optional(),
});
export type CreateInviteBody = z.infer<typeof CreateInviteBody>;

/** `used_up`: `uses` reached `maxUses`. Expired invites are removed by a job soon after. */
export const InviteStatus = z.enum(["active", "expired", "revoked", "used_up"]);

export const Invite = z.object({
  id: Id,
  conversationId: Id,
  /** Give this (or `url`) to the people who should join. */
  code: InviteCode,
  /** A link to the web app that joins the group after sign-in. */
  url: z.string(),
  createdBy: Id,
  createdAt: IsoDate,
  expiresAt: IsoDate,
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
  revokedAt: IsoDate.nullable(),
  status: InviteStatus,
});
export type Invite = z.infer<typeof Invite>;

export const InviteList = z.object({ invites: z.array(Invite) });

export const InviteParams = z.strictObject({ conversationId: Id, inviteId: Id });

export const InviteCodeParams = z.strictObject({ code: InviteCode });

export const JoinInviteResult = z.object({
  conversation: ConversationSummary,
  /** False when you were already a member: nothing changed and no use was counted. */
  joined: z.boolean(),
});
