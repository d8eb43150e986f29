import type { EventData, LoggedChange, SystemEvent } from "@hallway/protocol";
import { sql } from "kysely";
import type { ChangeLogged, ConversationEvent } from "../realtime/event-publisher.ts";
import type { Db } from "./database.ts";
import { MESSAGE_COLUMNS, type MessageColumns, toMessage } from "./rows.ts";

/**
 * Appends a system message (someone joined, left, was promoted…) to a conversation's log inside
 * the caller's transaction. The sequence number is taken with an UPDATE on the conversation row,
 * the same lock the batched writer takes, so commit order stays sequence order. Publish the
 * returned event after the transaction commits.
 */
export async function appendSystemMessage(
  trx: Db,
  conversationId: string,
  system: SystemEvent,
): Promise<ConversationEvent> {
  const { rows } = await sql<MessageColumns>`
    WITH next AS (
      UPDATE conversations SET last_seq = last_seq + 1, updated_at = now() WHERE id = ${conversationId} RETURNING last_seq
    )
    INSERT INTO messages (conversation_id, seq, sender_id, kind, body, system)
    SELECT ${conversationId}, last_seq, NULL, 'system', '', ${JSON.stringify(system)}::jsonb FROM next
    RETURNING ${sql.raw(MESSAGE_COLUMNS.join(", "))}`.execute(trx);
  const message = toMessage(rows[0]!);
  return { type: "message.created", conversationId, seq: message.seq, message };
}

/** Locks a conversation row for a membership change, so concurrent changes apply one by one. */
export async function lockConversation(
  trx: Db,
  conversationId: string,
): Promise<{ id: string; kind: string } | undefined> {
  const { rows } = await sql<{
    id: string;
    kind: string;
  }>`SELECT id, kind FROM conversations WHERE id = ${conversationId} FOR UPDATE`.execute(trx);
  return rows[0];
}

/**
 * Appends a change (a deletion, an edit…) to a conversation's log inside the caller's
 * transaction, under the same row lock as every other sequence number. The event's data gets
 * its `seq` and is stored as it is sent, so a resume replays it exactly. Publish the returned
 * event after the transaction commits.
 */
export async function appendChange<T extends LoggedChange>(
  trx: Db,
  conversationId: string,
  type: T,
  actorId: string | null,
  data: Omit<EventData<T>, "seq" | "conversationId">,
): Promise<ChangeLogged<T>> {
  const { rows } = await sql<{ seq: number }>`
    UPDATE conversations SET last_seq = last_seq + 1, updated_at = now() WHERE id = ${conversationId} RETURNING last_seq AS seq`.execute(
    trx,
  );
  const seq = Number(rows[0]!.seq);
  const full = { conversationId, seq, ...data } as EventData<T>;
  await trx
    .insertInto("events")
    .values({
      conversation_id: conversationId,
      seq,
      type,
      message_id: null,
      actor_id: actorId,
      payload: JSON.stringify(full),
    })
    .execute();
  return { type, conversationId, seq, data: full };
}
