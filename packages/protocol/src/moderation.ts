import { z } from "zod";
import { humanText, Id, IsoDate, nameText } from "./common.ts";
import { ConversationKind } from "./conversations.ts";
import { UserProfile } from "./users.ts";

/*
 * Moderation: the school's word filter, reports and the moderation queue, removing messages,
 * muting and banning members, slow mode. docs/moderation.md describes what each does.
 */

/** What the word filter does with a message that contains a pattern. */
export const WordFilterAction = z.enum(["flag", "mask", "reject"]);
export type WordFilterAction = z.infer<typeof WordFilterAction>;

/**
 * A word or phrase, matched case-insensitively on word boundaries (any script). Stored in
 * lower case with single spaces, so "Bad  Word" and "bad word" are the same entry.
 */
export const WordFilterPattern = nameText(100).refine(
  (s) => /[\p{L}\p{N}]/u.test(s),
  "must contain a letter or a digit",
);

export const WordFilter = z.object({
  id: Id,
  pattern: z.string(),
  action: WordFilterAction,
  createdBy: Id.nullable(),
  createdAt: IsoDate,
});
export type WordFilter = z.infer<typeof WordFilter>;

export const WordFilterList = z.object({ filters: z.array(WordFilter) });

/** Adds a pattern, or changes the action of one that exists. */
export const PutWordFilterBody = z.strictObject({ pattern: WordFilterPattern, action: WordFilterAction });

export const WordFilterParams = z.strictObject({ filterId: Id });

export const ReportMessageBody = z.strictObject({
  /** Why the message is reported, in the reporter's words. */
  reason: humanText(1_000),
});

/** A report as its reporter sees it. */
export const MyReport = z.object({
  id: Id,
  conversationId: Id,
  messageId: Id,
  reason: z.string(),
  status: z.enum(["open", "resolved", "dismissed"]),
  createdAt: IsoDate,
});
export type MyReport = z.infer<typeof MyReport>;

export const ReportStatus = z.enum(["open", "resolved", "dismissed"]);

/** A report in the moderation queue: the message as it was written, where, by whom, reported by whom. */
export const Report = z.object({
  id: Id,
  status: ReportStatus,
  reason: z.string(),
  createdAt: IsoDate,
  /** Null when the word filter raised it. */
  reporter: UserProfile.nullable(),
  message: z.object({
    id: Id,
    seq: z.number().int(),
    /** The text as it was stored, even when the message has since been deleted. */
    text: z.string(),
    createdAt: IsoDate,
    /** The message is a tombstone for its conversation's members (deleted or removed). */
    deleted: z.boolean(),
    /** The word filter flagged it. */
    flagged: z.boolean(),
  }),
  conversation: z.object({ id: Id, kind: ConversationKind, name: z.string().nullable() }),
  sender: UserProfile.nullable(),
  resolvedBy: UserProfile.nullable(),
  resolvedAt: IsoDate.nullable(),
  /** The moderator's note on resolving. */
  note: z.string().nullable(),
});
export type Report = z.infer<typeof Report>;

export const ReportListQuery = z.strictObject({
  status: z.enum(["open", "resolved", "dismissed", "all"]).default("open"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Open reports oldest first (a queue); others newest first. */
export const ReportList = z.object({ reports: z.array(Report), hasMore: z.boolean() });

export const ReportParams = z.strictObject({ reportId: Id });

export const ResolveReportBody = z.strictObject({
  /** `dismiss`: nothing wrong; `remove-message`: the message is removed for everyone. */
  action: z.enum(["dismiss", "remove-message"]),
  note: humanText(1_000).optional(),
});

/** The longest mute: a year. */
export const MAX_MUTE_MINUTES = 525_600;

export const MuteBody = z.strictObject({ minutes: z.number().int().min(1).max(MAX_MUTE_MINUTES) });

export const MuteResult = z.object({ userId: Id, mutedUntil: IsoDate.nullable() });

export const BanResult = z.object({ userId: Id, banned: z.boolean() });

export const SlowModeBody = z.strictObject({
  /** Seconds a member waits between posts; 0 switches slow mode off. */
  seconds: z.number().int().min(0).max(86_400),
});

export const SlowModeResult = z.object({ conversationId: Id, slowModeSeconds: z.number().int() });

/** Who deleted a message: its author, or a moderator removing it. */
export const DeletedBy = z.enum(["author", "moderator"]);

export const DeleteMessageResult = z.object({ deletedBy: DeletedBy });
