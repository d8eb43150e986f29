import type { ConversationSummary, Message, ReactionCount } from "@hallway/protocol";
import { sql } from "kysely";
import type { Db } from "./database.ts";

/**
 * The reactions on these messages, as `userId` sees them: per emoji the count and whether they
 * are among it, in the order each emoji was first used. One query for a page of history.
 */
export async function loadReactions(
  db: Db,
  userId: string,
  messageIds: readonly string[],
): Promise<Map<string, ReactionCount[]>> {
  const byMessage = new Map<string, ReactionCount[]>();
  if (messageIds.length === 0) return byMessage;
  const { rows } = await sql<{ message_id: string; emoji: string; count: number; me: boolean }>`
    SELECT message_id, emoji, count(*)::int AS count, bool_or(user_id = ${userId}) AS me
    FROM reactions WHERE message_id = ANY(${[...messageIds]}::uuid[])
    GROUP BY message_id, emoji
    ORDER BY message_id, min(created_at), emoji`.execute(db);
  for (const row of rows) {
    let list = byMessage.get(row.message_id);
    if (!list) {
      list = [];
      byMessage.set(row.message_id, list);
    }
    list.push({ emoji: row.emoji, count: row.count, me: row.me });
  }
  return byMessage;
}

/** The messages with their `reactions` filled in (an empty list where there are none). */
export async function withReactions(db: Db, userId: string, messages: Message[]): Promise<Message[]> {
  const reactions = await loadReactions(
    db,
    userId,
    messages.filter((m) => m.kind !== "system").map((m) => m.id),
  );
  return messages.map((m) => ({ ...m, reactions: reactions.get(m.id) ?? [] }));
}

/** One message with its reactions as `userId` sees them. */
export async function messageWithReactions(db: Db, userId: string, message: Message): Promise<Message> {
  return (await withReactions(db, userId, [message]))[0]!;
}

/** Conversation summaries with their last message's reactions filled in (one query for the list). */
export async function withLastMessageReactions(
  db: Db,
  userId: string,
  summaries: ConversationSummary[],
): Promise<ConversationSummary[]> {
  const ids = summaries.flatMap((s) =>
    s.lastMessage && s.lastMessage.kind !== "system" ? [s.lastMessage.id] : [],
  );
  if (ids.length === 0) return summaries;
  const reactions = await loadReactions(db, userId, ids);
  if (reactions.size === 0) return summaries;
  return summaries.map((s) =>
    s.lastMessage && reactions.has(s.lastMessage.id)
      ? { ...s, lastMessage: { ...s.lastMessage, reactions: reactions.get(s.lastMessage.id)! } }
      : s,
  );
}
