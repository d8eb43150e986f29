import type { Message, SystemEvent, UserAccount, UserProfile } from "@hallway/protocol";
import type { Selectable } from "kysely";
import type { MessagesTable, UsersTable } from "./schema.ts";

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
] as const;

/** MESSAGE_COLUMNS as SQL for a table alias, e.g. `m.id, m.conversation_id, …`. */
export function messageColumnsOf(alias: string): string {
  return MESSAGE_COLUMNS.map((c) => `${alias}.${c}`).join(", ");
}

export function toMessage(
  row: Pick<
    MessageRow,
    | "id"
    | "conversation_id"
    | "seq"
    | "sender_id"
    | "kind"
    | "body"
    | "system"
    | "client_id"
    | "created_at"
    | "edited_at"
    | "deleted_at"
  >,
): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    senderId: row.sender_id,
    kind: row.kind as Message["kind"],
    text: row.deleted_at ? "" : row.body,
    system: (row.system as SystemEvent | null) ?? null,
    clientId: row.client_id,
    createdAt: row.created_at.toISOString(),
    // Filled in where they are read (history, one message, the conversation list); a new message has none.
    reactions: [],
    // A tombstone: the body stays in the database for moderators and the audit, never for clients.
    deleted: row.deleted_at !== null,
  };
}
