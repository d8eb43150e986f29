import { z } from "zod";
import { Id, IsoDate } from "./common.ts";
import { ClientId, Message, MessageText } from "./messages.ts";
import { RoleName } from "./roles.ts";
import { UserProfile } from "./users.ts";

/** `open`: waiting for the desk; `claimed`: someone at the desk is on it; `resolved`: done (the asker writing again reopens it). */
export const SupportStatus = z.enum(["open", "claimed", "resolved"]);
export type SupportStatus = z.infer<typeof SupportStatus>;

/** What a support conversation's list entry says about it. */
export const SupportInfo = z.object({
  /** The staff role that answers it (`registrar`, `accounting`…). */
  desk: z.string(),
  status: SupportStatus,
  /** The person who opened it. */
  requesterId: Id.nullable(),
  /** Who at the desk claimed it (while `claimed`, and kept once resolved). */
  claimedBy: Id.nullable(),
  resolvedAt: IsoDate.nullable(),
});
export type SupportInfo = z.infer<typeof SupportInfo>;

export const OpenSupportBody = z.strictObject({
  /** The desk: one of the school's support desks (by default guidance, registrar, accounting, admin). */
  desk: RoleName,
  /** The first message. */
  text: MessageText,
  /** Makes a retried open land once: the same client id returns the conversation it opened. */
  clientId: ClientId.optional(),
});
export type OpenSupportBody = z.output<typeof OpenSupportBody>;

export const SupportQueueQuery = z.strictObject({
  /** Default: your own role's desk; admins without it see every desk. */
  desk: RoleName.optional(),
  /** Default: open and claimed (what is still to do). */
  status: SupportStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** One support conversation in a desk's queue. */
export const SupportTicket = z.object({
  conversationId: Id,
  desk: z.string(),
  status: SupportStatus,
  requester: UserProfile.nullable(),
  claimedBy: UserProfile.nullable(),
  createdAt: IsoDate,
  /** Last activity (a message, a claim, a resolution). */
  updatedAt: IsoDate,
  resolvedAt: IsoDate.nullable(),
  lastMessage: Message.nullable(),
});
export type SupportTicket = z.infer<typeof SupportTicket>;

/** Oldest first: who has waited longest is answered first. */
export const SupportQueue = z.object({ tickets: z.array(SupportTicket), nextCursor: z.string().nullable() });
