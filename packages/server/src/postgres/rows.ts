import type {
  Attachment,
  ForwardedFrom,
  Message,
  SystemEvent,
  UserAccount,
  UserProfile,
} from "@hallway/protocol";
import type { Selectable } from "kysely";
import type { AttachmentsTable, MessagesTable, UsersTable } from "./schema.ts";

type UserRow = Selectable<UsersTable>;
type MessageRow = Selectable<MessagesTable>;

/** Columns that make a UserProfile; select exactly these so nothing private travels. */
export const PROFILE_COLUMNS = [
  "users.id",
  "users.username",
  "users.display_name",
  "users.role",
  "users.avatar_url",
  "users.active",
] as const;

export function toUserProfile(
  row: Pick<UserRow, "id" | "username" | "display_name" | "role" | "avatar_url" | "active">,
): UserProfile {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    avatarUrl: row.avatar_url,
    active: row.active,
  };
}

export function toUserAccount(row: UserRow): UserAccount {
  return {
    ...toUserProfile(row),
    email: row.email,
    externalId: row.external_id,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * The message columns clients are shown. Select these rather than `*`: the row also holds its
 * search vector, about the size of the text again, which no reader needs.
 */
export const MESSAGE_COLUMNS = [
  "id",
  "conversation_id",
  "seq",
  "sender_id",
  "kind",
  "body",
  "system",
  "client_id",
  "created_at",
  "edited_at",
  "deleted_at",
  "parent_id",
  "reply_count",
  "last_reply_at",
  "mentions",
  "mentions_everyone",
  "attachments",
  "pinned_at",
  "pinned_by",
  "forwarded_from",
] as const;

/** The SQL type of each message column, for unions that need typed NULLs in their places. */
export const MESSAGE_COLUMN_TYPES: Record<(typeof MESSAGE_COLUMNS)[number], string> = {
  id: "uuid",
  conversation_id: "uuid",
  seq: "bigint",
  sender_id: "uuid",
  kind: "text",
  body: "text",
  system: "jsonb",
  client_id: "text",
  created_at: "timestamptz",
  edited_at: "timestamptz",
  deleted_at: "timestamptz",
  parent_id: "uuid",
  reply_count: "integer",
  last_reply_at: "timestamptz",
  mentions: "uuid[]",
  mentions_everyone: "boolean",
  attachments: "jsonb",
  pinned_at: "timestamptz",
  pinned_by: "uuid",
  forwarded_from: "jsonb",
};

/** A message row as readers select it (MESSAGE_COLUMNS). */
export type MessageColumns = Pick<MessageRow, (typeof MESSAGE_COLUMNS)[number]>;

/** MESSAGE_COLUMNS as SQL for a table alias, e.g. `m.id, m.conversation_id, …`. */
export function messageColumnsOf(alias: string): string {
  return MESSAGE_COLUMNS.map((c) => `${alias}.${c}`).join(", ");
}

export function toMessage(row: MessageColumns): Message {
  const deleted = row.deleted_at !== null;
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    senderId: row.sender_id,
    kind: row.kind as Message["kind"],
    text: deleted ? "" : row.body,
    system: (row.system as SystemEvent | null) ?? null,
    clientId: row.client_id,
    createdAt: row.created_at.toISOString(),
    // Filled in where they are read (history, one message, the conversation list); a new message has none.
    reactions: [],
    // A tombstone: the body stays in the database for moderators and the audit, never for clients.
    deleted,
    editedAt: row.edited_at?.toISOString() ?? null,
    parentId: row.parent_id,
    replyCount: row.reply_count,
    lastReplyAt: row.last_reply_at?.toISOString() ?? null,
    mentions: deleted ? [] : row.mentions,
    mentionsEveryone: deleted ? false : row.mentions_everyone,
    attachments: deleted ? [] : (row.attachments as Attachment[]),
    pinnedAt: row.pinned_at?.toISOString() ?? null,
    pinnedBy: row.pinned_by,
    forwardedFrom: (row.forwarded_from as ForwardedFrom | null) ?? null,
  };
}

/** A message as `row_to_json` over MESSAGE_COLUMNS gives it: dates as strings. */
export type MessageJson = Omit<
  MessageColumns,
  "created_at" | "edited_at" | "deleted_at" | "last_reply_at" | "pinned_at"
> & {
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  last_reply_at: string | null;
  pinned_at: string | null;
};

/** SQL for the newest message matching `where` (over alias `x`) as one JSON value, for a correlated subquery. */
export function latestMessageJson(where: string): string {
  return `(SELECT row_to_json(x) FROM (SELECT ${MESSAGE_COLUMNS.join(", ")} FROM messages WHERE ${where} ORDER BY seq DESC LIMIT 1) x)`;
}

export function messageFromJson(json: MessageJson): Message {
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return toMessage({
    ...json,
    seq: Number(json.seq),
    created_at: new Date(json.created_at),
    edited_at: date(json.edited_at),
    deleted_at: date(json.deleted_at),
    last_reply_at: date(json.last_reply_at),
    pinned_at: date(json.pinned_at),
  });
}

/** An attachment as messages carry it. */
export function toAttachment(row: Selectable<AttachmentsTable>): Attachment {
  return {
    id: row.id,
    name: row.name,
    mime: row.mime,
    kind: row.kind,
    size: Number(row.size),
    width: row.width,
    height: row.height,
    durationMs: row.duration_ms,
    hasThumbnail: row.thumbnail_key !== null,
  };
}
