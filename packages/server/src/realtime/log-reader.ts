import type { EventName } from "@hallway/protocol";
import type { Selectable } from "kysely";
import { sql } from "kysely";
import type { Db } from "../postgres/database.ts";
import { messageColumnsOf, toMessage } from "../postgres/rows.ts";
import type { MessagesTable } from "../postgres/schema.ts";
import type { LogReader } from "./conversation-stream.ts";
import { encodeEvent } from "./frames.ts";

type Row = Selectable<MessagesTable> & { event_seq: number; event_type: EventName; event_payload: unknown };

/** Reads missed events from the conversation's log and encodes them as live ones would be. */
export function databaseLogReader(db: Db): LogReader {
  return async (conversationId, afterSeq, limit) => {
    const { rows } = await sql<Row>`
      SELECT e.seq AS event_seq, e.type AS event_type, e.payload AS event_payload, ${sql.raw(messageColumnsOf("m"))}
      FROM events e LEFT JOIN messages m ON m.id = e.message_id
      WHERE e.conversation_id = ${conversationId} AND e.seq > ${afterSeq}
      ORDER BY e.seq LIMIT ${limit}`.execute(db);
    // message.created rows point at the message (shown as it is now: a deleted one as a
    // tombstone); every other event stored its data when it happened.
    return rows.map((row) => ({
      seq: Number(row.event_seq),
      frame:
        row.event_type === "message.created"
          ? encodeEvent("message.created", toMessage({ ...row, conversation_id: conversationId }))
          : encodeEvent(row.event_type, row.event_payload),
    }));
  };
}
