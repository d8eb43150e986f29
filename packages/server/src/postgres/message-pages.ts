import type { Message } from "@hallway/protocol";
import { notFound } from "../errors.ts";
import type { Db } from "./database.ts";
import { MESSAGE_COLUMNS, toMessage } from "./rows.ts";

/** A page position: `after` pages forward (oldest first), `before` backward; neither gives the newest. */
export interface PagePosition {
  before?: number;
  after?: number;
  limit: number;
}

/** A page of a conversation's messages by sequence number, always in ascending order. */
export async function readMessagePage(
  db: Db,
  conversationId: string,
  page: PagePosition,
): Promise<{ messages: Message[]; hasMore: boolean }> {
  const forward = page.after !== undefined;
  let query = db
    .selectFrom("messages")
    .select(MESSAGE_COLUMNS)
    .where("conversation_id", "=", conversationId)
    .orderBy("seq", forward ? "asc" : "desc")
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where("seq", ">", page.after);
  if (page.before !== undefined) query = query.where("seq", "<", page.before);
  const rows = await query.execute();
  const messages = rows.slice(0, page.limit).map(toMessage);
  if (!forward) messages.reverse();
  return { messages, hasMore: rows.length > page.limit };
}

/** One message of a conversation, as members see it; MESSAGE_NOT_FOUND when the conversation holds no such id. */
export async function requireMessage(db: Db, conversationId: string, messageId: string): Promise<Message> {
  const row = await db
    .selectFrom("messages")
    .select(MESSAGE_COLUMNS)
    .where("conversation_id", "=", conversationId)
    .where("id", "=", messageId)
    .executeTakeFirst();
  if (!row) throw notFound.message();
  return toMessage(row);
}
