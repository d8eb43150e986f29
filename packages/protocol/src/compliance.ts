import { z } from "zod";
import { Attachment } from "./attachments.ts";
import { Id, IsoDate } from "./common.ts";
import { ConversationKind, MemberRole } from "./conversations.ts";
import { ForwardedFrom } from "./messages.ts";
import { UserAccount, UserProfile } from "./users.ts";

/*
 * Safeguarding and compliance: the audit log, supervision, a conversation's export for a
 * lawful request, retention and legal hold. docs/compliance.md describes them.
 */

// ---------------------------------------------------------------------------------------------
// The audit log

/** Who did it: a user, the school system (service token), Hallway itself, or nobody signed in. */
export const AuditActorKind = z.enum(["user", "service", "system", "anonymous"]);

export const AuditEntry = z.object({
  /** Increases with every entry; newer entries have larger ids. */
  id: z.number().int(),
  at: IsoDate,
  actor: z.object({
    kind: AuditActorKind,
    /** The user, when `kind` is `user`. */
    id: Id.nullable(),
    displayName: z.string().nullable(),
    username: z.string().nullable(),
  }),
  /** `area.what_happened`, e.g. `auth.signed_in`, `member.added`, `supervision.viewed`. */
  action: z.string(),
  /** What it was done to: `user`, `conversation`, `message`, `invite`, `settings`… */
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  /** Small facts about the action (never message text, never a password). */
  details: z.record(z.string(), z.unknown()),
  /** The caller's address, for actions taken over HTTP. */
  ip: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

const Token = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[a-z0-9_.-]+$/, "lower-case letters, digits, '.', '_' or '-'");

/** A point in time: a full ISO 8601 timestamp with its offset, or a date (midnight UTC). */
const Instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const AuditQuery = z.strictObject({
  /** Entries by this user. */
  actor: Id.optional(),
  /** An action (`member.added`), or every action of an area with a trailing `*` (`member.*`). */
  action: z
    .string()
    .max(100)
    .regex(/^[a-z0-9_.-]+\*?$/, "an action such as member.added, or a prefix such as member.*")
    .optional(),
  targetType: Token(50).optional(),
  targetId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
    .optional(),
  /** From this moment on (inclusive). */
  from: Instant.optional(),
  /** Before this moment (exclusive). */
  to: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(200).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** Newest first; `nextCursor` pages to older entries, null on the last page. */
export const AuditPage = z.object({ entries: z.array(AuditEntry), nextCursor: z.string().nullable() });

// ---------------------------------------------------------------------------------------------
// Supervision

export const SupervisedConversationsQuery = z.strictObject({
  /** Only conversations this student is a member of. */
  studentId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

export const SupervisedConversation = z.object({
  id: Id,
  kind: ConversationKind,
  name: z.string().nullable(),
  createdAt: IsoDate,
  /** When anything last happened in it. */
  updatedAt: IsoDate,
  lastSeq: z.number().int(),
  memberCount: z.number().int(),
  /** Up to 20 current members, students first. */
  members: z.array(UserProfile),
});

/** Most recently active first. */
export const SupervisedConversationPage = z.object({
  conversations: z.array(SupervisedConversation),
  nextCursor: z.string().nullable(),
});

// ---------------------------------------------------------------------------------------------
// Export for a lawful request

export const ExportedMember = z.object({
  user: UserAccount,
  role: MemberRole,
  joinedAt: IsoDate,
  /** When they left (or were removed); null while they are a member. */
  leftAt: IsoDate.nullable(),
});

export const ExportedMessage = z.object({
  id: Id,
  seq: z.number().int(),
  senderId: Id.nullable(),
  kind: z.string(),
  /** The text as written, also for deleted messages. */
  text: z.string(),
  system: z.unknown().nullable(),
  clientId: z.string().nullable(),
  createdAt: IsoDate,
  editedAt: IsoDate.nullable(),
  deleted: z.boolean(),
  deletedAt: IsoDate.nullable(),
  /** Who deleted it: the moderator who removed it, or its author. */
  deletedBy: Id.nullable(),
  /** The school's word filter flagged it. */
  flagged: z.boolean(),
  /** A thread reply: the message it answers. */
  parentId: Id.nullable(),
  mentions: z.array(Id),
  mentionsEveryone: z.boolean(),
  /** The attachments as sent, also for deleted messages (their bytes stay on the server). */
  attachments: z.array(Attachment),
  forwardedFrom: ForwardedFrom.nullable(),
  pinnedAt: IsoDate.nullable(),
  /** Every earlier text, oldest first: what it said before each edit. */
  edits: z.array(z.object({ previousText: z.string(), editorId: Id, editedAt: IsoDate })),
});

export const ConversationExport = z.object({
  format: z.literal("hallway.conversation-export.v1"),
  exportedAt: IsoDate,
  exportedBy: Id,
  conversation: z.object({
    id: Id,
    kind: ConversationKind,
    name: z.string().nullable(),
    createdBy: Id.nullable(),
    createdAt: IsoDate,
    sectionId: Id.nullable(),
    legalHold: z.boolean(),
    lastSeq: z.number().int(),
  }),
  /** Everyone who has been a member, with when they joined and left. */
  members: z.array(ExportedMember),
  /** Anyone else the messages or the audit entries name (authors who are gone, moderators…). */
  people: z.array(UserAccount),
  /** Every message still stored (retention may have removed old ones), in order. */
  messages: z.array(ExportedMessage),
  /**
   * Audit entries about the conversation, oldest first: those that target it or one of its
   * messages, or name it as `details.conversationId` (a mute or ban in it).
   */
  audit: z.array(AuditEntry),
});
export type ConversationExport = z.infer<typeof ConversationExport>;

// ---------------------------------------------------------------------------------------------
// Retention and legal hold

/** The longest retention rule: 100 years. */
export const MAX_RETENTION_DAYS = 36_500;

export const RetentionBody = z.strictObject({
  /** Delete messages older than this many days; null keeps everything. */
  days: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable(),
});

export const RetentionSettings = z.object({
  days: z.number().int().nullable(),
  updatedAt: IsoDate.nullable(),
  updatedBy: Id.nullable(),
  /** Conversations on legal hold: retention leaves them whole. */
  legalHolds: z.array(z.object({ conversationId: Id, kind: ConversationKind, name: z.string().nullable() })),
});

export const LegalHoldBody = z.strictObject({ hold: z.boolean() });

export const LegalHoldResult = z.object({ conversationId: Id, legalHold: z.boolean() });
