import type { SystemEvent } from "@hallway/protocol";
import { sql } from "kysely";
import type { MessageCreated } from "../realtime/event-publisher.ts";
import type { Db } from "./database.ts";
import { lockConversations } from "./membership-diff.ts";
import { MESSAGE_COLUMNS, type MessageColumns, toMessage } from "./rows.ts";

export interface SystemMessageEntry {
  conversationId: string;
  system: SystemEvent;
}

/**
 * Appends system messages to many conversations in three statements, inside the caller's
 * transaction: what a directory sync needs when hundreds of section groups change at once.
 * Sequence numbers are taken under the conversations' row locks (taken here in id order), as
 * appendSystemMessage does for one. Entries of one conversation keep their order. Publish the
 * returned events after commit.
 */
export async function appendSystemMessages(
  trx: Db,
  entries: readonly SystemMessageEntry[],
): Promise<MessageCreated[]> {
  if (entries.length === 0) return [];
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.conversationId, (counts.get(e.conversationId) ?? 0) + 1);
  await lockConversations(trx, [...counts.keys()]);
  const bumped = await sql<{ id: string; last_seq: number }>`
    UPDATE conversations c SET last_seq = c.last_seq + t.n, updated_at = now()
    FROM unnest(${[...counts.keys()]}::uuid[], ${[...counts.values()]}::int[]) AS t(id, n)
    WHERE c.id = t.id
    RETURNING c.id, c.last_seq`.execute(trx);
  // The first new seq of each conversation; entries then take the next ones in order.
  const next = new Map(bumped.rows.map((r) => [r.id, Number(r.last_seq) - counts.get(r.id)! + 1]));
  const seqs = entries.map((e) => {
    const seq = next.get(e.conversationId)!;
    next.set(e.conversationId, seq + 1);
    return seq;
  });
  const { rows } = await sql<MessageColumns>`
    WITH message AS (
      INSERT INTO messages (conversation_id, seq, sender_id, kind, body, system)
      SELECT t.conversation_id, t.seq, NULL, 'system', '', t.system
      FROM unnest(${entries.map((e) => e.conversationId)}::uuid[], ${seqs}::bigint[], ${entries.map((e) => JSON.stringify(e.system))}::jsonb[])
        AS t(conversation_id, seq, system)
      RETURNING ${sql.raw(MESSAGE_COLUMNS.join(", "))}
    )
    SELECT * FROM message ORDER BY conversation_id, seq`.execute(trx);
  return rows.map((row) => {
    const message = toMessage(row);
    return { type: "message.created", conversationId: message.conversationId, seq: message.seq, message };
  });
}
