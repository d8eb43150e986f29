import { randomUUID } from "node:crypto";
import type { Attachment, ForwardedFrom, Message } from "@hallway/protocol";
import { sql } from "kysely";
import { HallwayError, notFound } from "../errors.ts";
import type { ConversationEvent, EventPublisher } from "../realtime/event-publisher.ts";
import type { Db } from "./database.ts";
import { MESSAGE_COLUMNS, type MessageColumns, messageColumnsOf, toMessage } from "./rows.ts";

export interface NewMessage {
  conversationId: string;
  senderId: string;
  clientId: string;
  /** Empty for an attachment without a caption. */
  text: string;
  /** `text` unless it carries attachments (then the kind of the first). */
  kind?: "text" | "file" | "image" | "audio";
  /** Checked by the caller: the sender's unsent uploads to this conversation, which this message claims. */
  attachments?: Attachment[];
  /** Checked by the caller: a top-level message of the same conversation. */
  parentId?: string | null;
  /** Checked by the caller: current members named in the text. */
  mentions?: string[];
  mentionsEveryone?: boolean;
  /** A forwarded copy: where it came from. */
  forwardedFrom?: ForwardedFrom | null;
  /**
   * The word filter flagged it: stored with `flagged = true` and a report (no reporter, this
   * reason) in the same statement, so the moderation queue never misses a flagged message.
   */
  flagReason?: string | null;
}

export type WriteOutcome =
  | { ok: true; message: Message; duplicate: boolean }
  | { ok: false; error: HallwayError };

interface Pending {
  input: NewMessage;
  resolve(outcome: WriteOutcome): void;
}

export interface MessageWriterOptions {
  /** Most sends in one statement. */
  maxBatch?: number;
  /** Independent lanes writing in parallel; a conversation always uses the same lane. */
  lanes?: number;
  /** Told about a failed flush; the sends in it are retried one by one. */
  onError?: (error: unknown) => void;
  /** Told the size of each committed batch (for metrics). */
  onBatch?: (size: number) => void;
}

/**
 * Group commit in the application. Sends queue up while a flush is running, and the next flush
 * writes all of them with one statement. At low load a batch is one message; at peak it is
 * hundreds, which is what lets one PostgreSQL take thousands of sends a second. A send's
 * promise resolves only after its batch has committed, so an ack means durable.
 *
 * Conversations are spread over a few lanes that flush in parallel, so one slow commit does not
 * hold up every conversation. A conversation always maps to the same lane: its sends keep the
 * order in which they arrived, and lanes never wait on each other's row locks.
 */
export class MessageWriter {
  private readonly lanes: WriterLane[];

  constructor(db: Db, events: EventPublisher, options: MessageWriterOptions = {}) {
    const count = Math.max(1, options.lanes ?? 4);
    this.lanes = Array.from({ length: count }, () => new WriterLane(db, events, options));
  }

  /** Queues a send; resolves once it is committed (or refused). Never rejects. */
  send(input: NewMessage): Promise<WriteOutcome> {
    return this.lanes[laneOf(input.conversationId, this.lanes.length)]!.send(input);
  }

  /** Resolves when every queued send has been written. */
  async drain(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.drain()));
  }
}

/** A stable lane for a conversation id (a UUID: its last hex digits are random enough). */
function laneOf(conversationId: string, lanes: number): number {
  return Number.parseInt(conversationId.slice(-4), 16) % lanes;
}

type Decision = MessageColumns & { ord: number; outcome: "accepted" | "earlier" };

class WriterLane {
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;
  private readonly maxBatch: number;

  constructor(
    private readonly db: Db,
    private readonly events: EventPublisher,
    private readonly options: MessageWriterOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 512;
  }

  send(input: NewMessage): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ input, resolve });
      // setImmediate lets the sends that arrive in the same turn of the event loop share a batch.
      if (!this.running) this.running = new Promise((done) => setImmediate(() => this.run().finally(done)));
    });
  }

  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.flushOrSplit(batch);
      }
    } finally {
      this.running = null;
    }
  }

  private async flushOrSplit(batch: Pending[]): Promise<void> {
    try {
      await this.flush(batch);
    } catch (error) {
      this.options.onError?.(error);
      if (batch.length === 1) {
        batch[0]!.resolve({
          ok: false,
          error: new HallwayError(
            "INTERNAL",
            "The message could not be stored; retry with the same client id.",
          ),
        });
        return;
      }
      // One bad send (or a race with another process on the same client id) must not fail the
      // others: write them one at a time.
      for (const pending of batch) await this.flushOrSplit([pending]);
    }
  }

  /**
   * One statement, one commit: lock the conversations (in id order, so writers never
   * deadlock), keep the sends whose sender is a member and whose client id is new, number them
   * after each conversation's last sequence number, insert the messages (the log reads
   * message.created from them), claim their attachments, count replies on thread parents,
   * move the conversations' last sequence number and the senders' own read positions. Sends it
   * did not take come back with the earlier message of their client id, if any.
   */
  private async flush(batch: Pending[]): Promise<void> {
    const now = new Date();
    const ids = batch.map(() => randomUUID());
    const inputs = batch.map((p) => p.input);
    const { rows } = await sql<Decision>`
      WITH input AS (
        SELECT * FROM unnest(
          ${inputs.map((_, i) => i)}::int[], ${ids}::uuid[], ${inputs.map((m) => m.conversationId)}::uuid[],
          ${inputs.map((m) => m.senderId)}::uuid[], ${inputs.map((m) => m.clientId)}::text[],
          ${inputs.map((m) => m.text)}::text[], ${inputs.map((m) => m.flagReason ?? null)}::text[],
          ${inputs.map((m) => m.kind ?? "text")}::text[], ${inputs.map((m) => m.parentId ?? null)}::uuid[],
          ${inputs.map((m) => JSON.stringify(m.mentions ?? []))}::jsonb[], ${inputs.map((m) => m.mentionsEveryone ?? false)}::boolean[],
          ${inputs.map((m) => JSON.stringify(m.attachments ?? []))}::jsonb[],
          ${inputs.map((m) => (m.forwardedFrom ? JSON.stringify(m.forwardedFrom) : null))}::jsonb[]
        ) AS t(ord, id, conversation_id, sender_id, client_id, body, flag_reason, kind, parent_id, mentions, mentions_everyone,
               attachments, forwarded_from)
      ), locked AS (
        SELECT id, last_seq FROM conversations
        WHERE id IN (SELECT conversation_id FROM input) ORDER BY id FOR UPDATE
      ), earlier AS (
        SELECT i.ord, ${sql.raw(messageColumnsOf("m"))}
        FROM input i JOIN messages m ON m.sender_id = i.sender_id AND m.client_id = i.client_id
      ), accepted AS (
        SELECT i.*, l.last_seq + row_number() OVER (PARTITION BY i.conversation_id ORDER BY i.ord) AS seq
        FROM input i JOIN locked l ON l.id = i.conversation_id
        WHERE NOT EXISTS (SELECT 1 FROM earlier e WHERE e.ord = i.ord)
          AND i.ord = (SELECT min(j.ord) FROM input j WHERE j.sender_id = i.sender_id AND j.client_id = i.client_id)
          AND EXISTS (
            SELECT 1 FROM members m
            WHERE m.conversation_id = i.conversation_id AND m.user_id = i.sender_id AND m.left_at IS NULL)
      ), inserted AS (
        INSERT INTO messages (id, conversation_id, seq, sender_id, kind, body, client_id, created_at, flagged,
          parent_id, mentions, mentions_everyone, attachments, forwarded_from)
        SELECT id, conversation_id, seq, sender_id, kind, body, client_id, ${now}, flag_reason IS NOT NULL,
          parent_id, ARRAY(SELECT jsonb_array_elements_text(mentions)::uuid), mentions_everyone, attachments, forwarded_from
        FROM accepted
        RETURNING ${sql.raw(MESSAGE_COLUMNS.join(", "))}
      ), claimed AS (
        UPDATE attachments x SET message_id = a.id
        FROM accepted a, jsonb_array_elements(a.attachments) item
        WHERE jsonb_array_length(a.attachments) > 0 AND x.id = (item->>'id')::uuid AND x.message_id IS NULL
          AND x.uploader_id = a.sender_id AND x.conversation_id = a.conversation_id
      ), threaded AS (
        UPDATE messages p SET reply_count = p.reply_count + r.n, last_reply_at = ${now}
        FROM (SELECT parent_id, count(*)::int AS n FROM accepted WHERE parent_id IS NOT NULL GROUP BY parent_id) r
        WHERE p.id = r.parent_id
      ), reported AS (
        INSERT INTO reports (message_id, conversation_id, reporter_id, reason, created_at)
        SELECT a.id, a.conversation_id, NULL, a.flag_reason, ${now}
        FROM accepted a JOIN inserted i ON i.id = a.id WHERE a.flag_reason IS NOT NULL
      ), flag_audited AS (
        INSERT INTO audit_log (actor_kind, action, target_type, target_id, details, at)
        SELECT 'system', 'message.flagged', 'message', a.id::text,
          jsonb_build_object('conversationId', a.conversation_id, 'senderId', a.sender_id, 'reason', a.flag_reason), ${now}
        FROM accepted a JOIN inserted i ON i.id = a.id WHERE a.flag_reason IS NOT NULL
      ), advanced AS (
        UPDATE conversations c SET last_seq = a.top, updated_at = ${now}
        FROM (SELECT conversation_id, max(seq) AS top FROM accepted GROUP BY conversation_id) a
        WHERE c.id = a.conversation_id
      ), own_position AS (
        UPDATE members m
        SET last_read_seq = GREATEST(m.last_read_seq, a.top), last_delivered_seq = GREATEST(m.last_delivered_seq, a.top)
        FROM (SELECT conversation_id, sender_id, max(seq) AS top FROM accepted GROUP BY conversation_id, sender_id) a
        WHERE m.conversation_id = a.conversation_id AND m.user_id = a.sender_id
      )
      SELECT a.ord, 'accepted' AS outcome, ${sql.raw(messageColumnsOf("i"))}
      FROM accepted a JOIN inserted i ON i.id = a.id
      UNION ALL
      SELECT ord, 'earlier', ${sql.raw(MESSAGE_COLUMNS.join(", "))} FROM earlier`.execute(this.db);

    const created: ConversationEvent[] = [];
    const decided = new Map<number, Decision>(rows.map((row) => [row.ord, row]));
    const firstOfKey = new Map<string, number>();
    const outcomes = batch.map((pending, ord): WriteOutcome => {
      const { conversationId, senderId, clientId, text } = pending.input;
      const key = `${senderId}|${clientId}`;
      const row = decided.get(ord);
      if (!firstOfKey.has(key)) firstOfKey.set(key, ord);
      if (row?.outcome === "accepted") {
        const message = toMessage(row);
        created.push({ type: "message.created", conversationId, seq: message.seq, message });
        return { ok: true, message, duplicate: false };
      }
      // An earlier message with this client id: in the database, or earlier in this batch.
      const earlier = row ?? decided.get(firstOfKey.get(key)!);
      if (!earlier) return { ok: false, error: notFound.conversation() };
      const same = earlier.conversation_id === conversationId && earlier.body === text;
      if (!same)
        return {
          ok: false,
          error: new HallwayError(
            "IDEMPOTENCY_CONFLICT",
            "This client id was already used for a different message.",
          ),
        };
      return { ok: true, message: toMessage(earlier), duplicate: true };
    });

    if (created.length > 0) this.options.onBatch?.(created.length);
    for (const [ord, pending] of batch.entries()) pending.resolve(outcomes[ord]!);
    if (created.length > 0) this.events.publish(created);
  }
}
