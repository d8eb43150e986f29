import { randomUUID } from "node:crypto";
import type { Message } from "@hallway/protocol";
import type { Selectable } from "kysely";
import { sql } from "kysely";
import { HallwayError, notFound } from "../errors.ts";
import type { ConversationEvent, EventPublisher } from "../realtime/event-publisher.ts";
import type { Db } from "./database.ts";
import { toMessage } from "./rows.ts";
import type { MessagesTable } from "./schema.ts";

export interface NewMessage {
  conversationId: string;
  senderId: string;
  clientId: string;
  text: string;
}

export type WriteOutcome =
  | { ok: true; message: Message; duplicate: boolean }
  | { ok: false; error: HallwayError };

interface Pending {
  input: NewMessage;
  resolve(outcome: WriteOutcome): void;
}

export interface MessageWriterOptions {
  /** Most sends in one transaction. */
  maxBatch?: number;
  /** Told about a failed flush; the sends in it are retried one by one. */
  onError?: (error: unknown) => void;
  /** Told the size of each committed batch (for metrics). */
  onBatch?: (size: number) => void;
}

/**
 * Group commit in the application: sends queue up while a flush is running, and the next flush
 * writes all of them in one transaction with multi-row inserts. At low load a batch is one
 * message; at peak it is hundreds, which is what lets one PostgreSQL take thousands of sends a
 * second. A send's promise resolves only after its batch has committed, so an ack means durable.
 */
export class MessageWriter {
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;
  private readonly maxBatch: number;

  constructor(
    private readonly db: Db,
    private readonly events: EventPublisher,
    private readonly options: MessageWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 512;
  }

  /** Queues a send; resolves once it is committed (or refused). Never rejects. */
  send(input: NewMessage): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ input, resolve });
      // setImmediate lets the sends that arrive in the same turn of the event loop share a batch.
      if (!this.running) this.running = new Promise((done) => setImmediate(() => this.run().finally(done)));
    });
  }

  /** Resolves when every queued send has been written. */
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

  private async flush(batch: Pending[]): Promise<void> {
    const outcomes = new Map<Pending, WriteOutcome>();
    const created: ConversationEvent[] = [];

    await this.db.transaction().execute(async (trx) => {
      const conversationIds = [...new Set(batch.map((p) => p.input.conversationId))].sort();
      const locked = await sql<{ id: string; last_seq: number }>`
        SELECT id, last_seq FROM conversations WHERE id = ANY(${conversationIds}::uuid[]) ORDER BY id FOR UPDATE`.execute(
        trx,
      );
      const lastSeq = new Map(locked.rows.map((r) => [r.id, Number(r.last_seq)]));

      const memberships = await sql<{ conversation_id: string; user_id: string }>`
        SELECT conversation_id, user_id FROM members
        WHERE left_at IS NULL AND (conversation_id, user_id) IN (
          SELECT * FROM unnest(${batch.map((p) => p.input.conversationId)}::uuid[], ${batch.map((p) => p.input.senderId)}::uuid[]))`.execute(
        trx,
      );
      const isMember = new Set(memberships.rows.map((r) => `${r.conversation_id}|${r.user_id}`));

      const earlier = await sql<Selectable<MessagesTable>>`
        SELECT * FROM messages WHERE client_id IS NOT NULL AND (sender_id, client_id) IN (
          SELECT * FROM unnest(${batch.map((p) => p.input.senderId)}::uuid[], ${batch.map((p) => p.input.clientId)}::text[]))`.execute(
        trx,
      );
      const byKey = new Map<string, Message>(
        earlier.rows.map((r) => [`${r.sender_id}|${r.client_id}`, toMessage(r)]),
      );

      const now = new Date();
      const rows: Message[] = [];
      for (const pending of batch) {
        const { conversationId, senderId, clientId, text } = pending.input;
        const key = `${senderId}|${clientId}`;
        const previous = byKey.get(key);
        if (previous) {
          const same = previous.conversationId === conversationId && previous.text === text;
          outcomes.set(
            pending,
            same
              ? { ok: true, message: previous, duplicate: true }
              : {
                  ok: false,
                  error: new HallwayError(
                    "IDEMPOTENCY_CONFLICT",
                    "This client id was already used for a different message.",
                  ),
                },
          );
          continue;
        }
        const seq = lastSeq.get(conversationId);
        if (seq === undefined || !isMember.has(`${conversationId}|${senderId}`)) {
          outcomes.set(pending, { ok: false, error: notFound.conversation() });
          continue;
        }
        lastSeq.set(conversationId, seq + 1);
        const message: Message = {
          id: randomUUID(),
          conversationId,
          seq: seq + 1,
          senderId,
          kind: "text",
          text,
          system: null,
          clientId,
          createdAt: now.toISOString(),
        };
        rows.push(message);
        byKey.set(key, message);
        outcomes.set(pending, { ok: true, message, duplicate: false });
        created.push({ type: "message.created", conversationId, seq: message.seq, message });
      }
      if (rows.length === 0) return;

      const ids = rows.map((m) => m.id);
      const convs = rows.map((m) => m.conversationId);
      const seqs = rows.map((m) => m.seq);
      const senders = rows.map((m) => m.senderId);
      await sql`
        INSERT INTO messages (id, conversation_id, seq, sender_id, kind, body, client_id, created_at)
        SELECT id, conversation_id, seq, sender_id, 'text', body, client_id, ${now}
        FROM unnest(${ids}::uuid[], ${convs}::uuid[], ${seqs}::bigint[], ${senders}::uuid[], ${rows.map((m) => m.text)}::text[], ${rows.map((m) => m.clientId)}::text[])
          AS t(id, conversation_id, seq, sender_id, body, client_id)`.execute(trx);
      await sql`
        INSERT INTO events (conversation_id, seq, type, message_id, actor_id, created_at)
        SELECT conversation_id, seq, 'message.created', id, sender_id, ${now}
        FROM unnest(${convs}::uuid[], ${seqs}::bigint[], ${ids}::uuid[], ${senders}::uuid[]) AS t(conversation_id, seq, id, sender_id)`.execute(
        trx,
      );

      // The highest sequence per conversation, and per (conversation, sender): a sender has read
      // and received their own message.
      const top = new Map<string, number>();
      const ownTop = new Map<string, { conversationId: string; senderId: string; seq: number }>();
      for (const m of rows) {
        top.set(m.conversationId, m.seq);
        ownTop.set(`${m.conversationId}|${m.senderId}`, {
          conversationId: m.conversationId,
          senderId: m.senderId!,
          seq: m.seq,
        });
      }
      await sql`
        UPDATE conversations c SET last_seq = v.seq, updated_at = ${now}
        FROM unnest(${[...top.keys()]}::uuid[], ${[...top.values()]}::bigint[]) AS v(id, seq) WHERE c.id = v.id`.execute(
        trx,
      );
      const own = [...ownTop.values()];
      await sql`
        UPDATE members m SET last_read_seq = GREATEST(m.last_read_seq, v.seq), last_delivered_seq = GREATEST(m.last_delivered_seq, v.seq)
        FROM unnest(${own.map((o) => o.conversationId)}::uuid[], ${own.map((o) => o.senderId)}::uuid[], ${own.map((o) => o.seq)}::bigint[])
          AS v(conversation_id, user_id, seq)
        WHERE m.conversation_id = v.conversation_id AND m.user_id = v.user_id`.execute(trx);
    });

    if (created.length > 0) this.options.onBatch?.(created.length);
    for (const pending of batch) pending.resolve(outcomes.get(pending)!);
    if (created.length > 0) this.events.publish(created);
  }
}
