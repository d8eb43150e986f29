import type { EventName } from "@hallway/protocol";
import { sql } from "kysely";
import type { Db } from "../postgres/database.ts";
import {
  MESSAGE_COLUMN_TYPES,
  MESSAGE_COLUMNS,
  type MessageColumns,
  messageColumnsOf,
  toMessage,
} from "../postgres/rows.ts";
import type { LogReader } from "./conversation-stream.ts";
import { encodeEvent } from "./frames.ts";

type Row = Partial<MessageColumns> & { log_seq: number; log_type: EventName; log_payload: unknown };

/**
 * Reads missed events from the conversation's log and encodes them as live ones would be. The
 * log is two tables sharing one sequence: `messages` is where every message.created lives (each
 * shown as it is now: an edited one with its new text, a deleted one as a tombstone), and
 * `events` holds every other change with the data it had when it happened. Both are read by
 * their (conversation, seq) keys and merged.
 */
export function databaseLogReader(db: Db): LogReader {
  return async (conversationId, afterSeq, limit) => {
    const { rows } = await sql<Row>`
      SELECT * FROM (
        (SELECT m.seq AS log_seq, 'message.created' AS log_type, NULL::jsonb AS log_payload, ${sql.raw(messageColumnsOf("m"))}
         FROM messages m WHERE m.conversation_id = ${conversationId} AND m.seq > ${afterSeq}
         ORDER BY m.seq LIMIT ${limit})
        UNION ALL
        (SELECT e.seq, e.type, e.payload, ${sql.raw(nullMessageColumns)}
         FROM events e WHERE e.conversation_id = ${conversationId} AND e.seq > ${afterSeq}
         ORDER BY e.seq LIMIT ${limit})
      ) log ORDER BY log_seq LIMIT ${limit}`.execute(db);
    return rows.map((row) => ({
      seq: Number(row.log_seq),
      frame:
        row.log_type === "message.created"
          ? encodeEvent("message.created", toMessage(row as MessageColumns))
          : encodeEvent(row.log_type, row.log_payload),
    }));
  };
}

/** The events side of the union has no message: typed NULLs in the message columns' places. */
const nullMessageColumns = MESSAGE_COLUMNS.map((column) => `NULL::${MESSAGE_COLUMN_TYPES[column]}`).join(
  ", ",
);
