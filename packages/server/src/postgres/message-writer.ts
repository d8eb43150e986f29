import { randomUUID } from "node:crypto";
import type { Attachment, ForwardedFrom, Message } from "@hallway/protocol";
import type pg from "pg";
import { HallwayError, notFound } from "../errors.ts";
import type { ConversationEvent, EventPublisher } from "../realtime/event-publisher.ts";
import { MESSAGE_COLUMNS, type MessageJson, messageFromJson, toMessage } from "./rows.ts";

export interface NewMessage {
  conversationId: string;
  senderId: string;
  clientId: string;
  /** Empty for an attachment without a caption. */
  text: string;
  /** `text` unless it carries attachments (then the kind of the first). */
  kind?: "text" | "file" | "image" | "audio";
  /**
   * Checked by the caller: the sender's unsent uploads to this conversation, which this message
   * claims. The statement checks again under the rows' locks and refuses the send unless it can
   * claim them all (another send may have passed the same check).
   */
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
  /** Most batches in flight at once, each on a connection of its own (see MessageWriter). */
  connections?: number;
  /** How long a batch runs before it counts as held up and another may start beside it. */
  heldUpAfterMs?: number;
  /** Told about a failed flush; the sends in it are retried one by one. */
  onError?: (error: unknown) => void;
  /** Told the size of each committed batch and how long its statement took, in seconds (for metrics). */
  onBatch?: (size: number, seconds: number) => void;
}

/**
 * What the statement says of a send: accepted with its number, the earlier message of its
 * client id, or (attachments shape only) refused for an upload it could not claim.
 */
interface Decision {
  ord: number;
  seq: number | null;
  earlier: MessageJson | null;
  /** The first upload (in the order named) the send could not claim, and why. */
  unclaimable?: string | null;
  refusal?: Refusal | null;
}

/**
 * Why a send could not claim an upload: it is gone or not the sender's to send; a message
 * holds it (or an earlier send of the batch takes it); or a message of another transaction
 * claimed it while the statement waited for the row.
 */
type Refusal = "not_found" | "already_sent" | "sent_meanwhile";

/**
 * A batch being written: its conversations, and whether it has run long enough to count as
 * held up (most likely waiting for a conversation's row, locked by a long transaction).
 */
interface Flight {
  conversations: Set<string>;
  heldUp: boolean;
}

/**
 * Group commit in the application. Sends queue up while a batch is being written, and the next
 * batch writes all of them with one statement. At low load a batch is one message; at peak it is
 * dozens, which is what lets one PostgreSQL take thousands of sends a second. A send's promise
 * resolves only after its batch has committed, so an ack means durable.
 *
 * One batch is in flight at a time: every commit costs PostgreSQL a fixed amount of CPU (the
 * executor's start, the constraints, the WAL flush), so fewer, bigger batches cost less than
 * several in parallel. Only when every batch in flight is held up (running for `heldUpAfterMs`)
 * does another start, on another connection, up to `connections`; it takes no send of a
 * conversation still being written, so a conversation's sends keep the order in which they
 * arrived, and one conversation held up by a lock holds up only itself.
 */
export class MessageWriter {
  private queue: Pending[] = [];
  private readonly flights = new Set<Flight>();
  private scheduled = false;
  /** Waiting in `drain` for the queue to empty and the last batch to end. */
  private drainers: (() => void)[] = [];
  private readonly maxBatch: number;
  private readonly connections: number;
  private readonly heldUpAfterMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly events: EventPublisher,
    private readonly options: MessageWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 512;
    this.connections = Math.max(1, options.connections ?? 2);
    this.heldUpAfterMs = options.heldUpAfterMs ?? 100;
  }

  /** Queues a send; resolves once it is committed (or refused). Never rejects. */
  send(input: NewMessage): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ input, resolve });
      this.schedule();
    });
  }

  /** Resolves when every queued send has been written. */
  drain(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.drainers.push(resolve));
  }

  private idle(): boolean {
    return this.flights.size === 0 && this.queue.length === 0;
  }

  /** Starts a batch on the next turn if one may start now; setImmediate lets the sends of this turn share it. */
  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || !this.mayStart()) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.start();
    });
  }

  private mayStart(): boolean {
    if (this.flights.size >= this.connections) return false;
    for (const flight of this.flights) if (!flight.heldUp) return false;
    return true;
  }

  /** Writes the queued sends of the conversations no batch in flight is writing, in arrival order. */
  private start(): void {
    if (!this.mayStart()) return;
    const busy = new Set<string>();
    for (const flight of this.flights) for (const id of flight.conversations) busy.add(id);
    const batch: Pending[] = [];
    const waiting: Pending[] = [];
    for (const pending of this.queue) {
      if (batch.length < this.maxBatch && !busy.has(pending.input.conversationId)) batch.push(pending);
      else waiting.push(pending);
    }
    if (batch.length === 0) return;
    this.queue = waiting;
    const flight: Flight = {
      conversations: new Set(batch.map((pending) => pending.input.conversationId)),
      heldUp: false,
    };
    this.flights.add(flight);
    const heldUp = setTimeout(() => {
      flight.heldUp = true;
      this.schedule();
    }, this.heldUpAfterMs);
    void this.flushOrSplit(batch).finally(() => {
      clearTimeout(heldUp);
      this.flights.delete(flight);
      this.schedule();
      if (this.idle()) for (const done of this.drainers.splice(0)) done();
    });
  }

  /** `again`: the batch is a send asked once more (see flush); it is not asked a third time. */
  private async flushOrSplit(batch: Pending[], again = false): Promise<void> {
    let askAgain: Pending[];
    try {
      askAgain = await this.flush(batch, again);
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
      for (const pending of batch) await this.flushOrSplit([pending], again);
      return;
    }
    for (const pending of askAgain) await this.flushOrSplit([pending], true);
  }

  /**
   * One statement, one commit (see writeBatch). A client id repeated within the batch is
   * written once: its later sends are answered from the first one's outcome, as a retry that
   * found it in the database would be.
   *
   * Returns the sends to ask once more, alone, unanswered: those refused for an upload another
   * process's message claimed while this statement waited for its row. That message may be
   * this very send (a retry racing its first attempt on another server), which the statement
   * could not see; a fresh one does, and answers it as a duplicate (or refuses it for good).
   */
  private async flush(batch: Pending[], again: boolean): Promise<Pending[]> {
    const now = new Date();
    const firstOfKey = new Map<string, number>();
    const written: number[] = [];
    for (const [ord, pending] of batch.entries()) {
      const key = `${pending.input.senderId}|${pending.input.clientId}`;
      if (firstOfKey.has(key)) continue;
      firstOfKey.set(key, ord);
      written.push(ord);
    }
    const inputs = written.map((ord) => batch[ord]!.input);
    const ids = inputs.map(() => randomUUID());
    const statement = writeBatch(inputs, ids, now);
    const started = performance.now();
    const client = await this.pool.connect();
    let rows: Decision[];
    try {
      ({ rows } = await client.query<Decision>(statement));
    } finally {
      client.release();
    }
    const seconds = (performance.now() - started) / 1000;

    // What the statement said of each written send, by its place in the batch: the message it
    // became (`created`) or the earlier one of its client id, with the body as stored (a
    // deleted message shows no text, yet its retry is still the same send).
    const decided = new Map<number, { message: Message; body: string; created: boolean }>();
    const refused = new Map<number, HallwayError | "ask again">();
    for (const row of rows) {
      const at = written[row.ord]!;
      if (row.seq !== null) {
        const input = inputs[row.ord]!;
        const message = newMessage(input, ids[row.ord]!, Number(row.seq), now);
        decided.set(at, { message, body: input.text, created: true });
      } else if (row.earlier)
        decided.set(at, { message: messageFromJson(row.earlier), body: row.earlier.body, created: false });
      else if (row.unclaimable && row.refusal)
        refused.set(
          at,
          row.refusal === "sent_meanwhile" && !again
            ? "ask again"
            : unclaimable(row.unclaimable, row.refusal),
        );
    }
    const created: ConversationEvent[] = [];
    const outcomes = batch.map((pending, ord): WriteOutcome | "ask again" => {
      const { conversationId, senderId, clientId, text } = pending.input;
      const first = firstOfKey.get(`${senderId}|${clientId}`)!;
      // Refused as a whole, so a repeat of it in this batch is answered the same way.
      const refusal = refused.get(first);
      if (refusal) return refusal === "ask again" ? refusal : { ok: false, error: refusal };
      const outcome = decided.get(first);
      if (outcome?.created && first === ord) {
        const { message } = outcome;
        created.push({ type: "message.created", conversationId, seq: message.seq, message });
        return { ok: true, message, duplicate: false };
      }
      // An earlier message with this client id: in the database, or earlier in this batch.
      if (!outcome) return { ok: false, error: notFound.conversation() };
      // An edited message no longer has the text it was sent with: its conversation and client
      // id are what a retry can still be matched by.
      const same =
        outcome.message.conversationId === conversationId &&
        (outcome.body === text || outcome.message.editedAt !== null);
      if (!same)
        return {
          ok: false,
          error: new HallwayError(
            "IDEMPOTENCY_CONFLICT",
            "This client id was already used for a different message.",
          ),
        };
      return { ok: true, message: outcome.message, duplicate: true };
    });

    if (created.length > 0) this.options.onBatch?.(created.length, seconds);
    const askAgain: Pending[] = [];
    for (const [ord, pending] of batch.entries()) {
      const outcome = outcomes[ord]!;
      if (outcome === "ask again") askAgain.push(pending);
      else pending.resolve(outcome);
    }
    if (created.length > 0) this.events.publish(created);
    return askAgain;
  }
}

/**
 * A send refused because another claimed one of its uploads first, or because the upload was
 * removed after send-message checked it: the answers send-message's own check gives.
 */
function unclaimable(attachmentId: string, refusal: Refusal): HallwayError {
  return refusal === "not_found"
    ? new HallwayError("ATTACHMENT_NOT_FOUND", undefined, { attachmentId })
    : new HallwayError("ATTACHMENT_ALREADY_SENT", undefined, { attachmentId });
}

/** The message a send became, as the row the statement inserted reads back (see toMessage). */
function newMessage(input: NewMessage, id: string, seq: number, now: Date): Message {
  return toMessage({
    id,
    conversation_id: input.conversationId,
    seq,
    sender_id: input.senderId,
    kind: input.kind ?? "text",
    body: input.text,
    system: null,
    client_id: input.clientId,
    created_at: now,
    edited_at: null,
    deleted_at: null,
    parent_id: input.parentId ?? null,
    reply_count: 0,
    last_reply_at: null,
    mentions: input.mentions ?? [],
    mentions_everyone: input.mentionsEveryone ?? false,
    attachments: input.attachments ?? [],
    pinned_at: null,
    pinned_by: null,
    forwarded_from: input.forwardedFrom ?? null,
  });
}

/**
 * The writer's one statement for a batch whose client ids are distinct; `ids` are the new
 * messages' ids, in the order of `inputs`. It locks the conversations (in id order, so writers
 * never deadlock), keeps the sends whose sender is a member and whose client id is new, numbers
 * them after each conversation's last sequence number, inserts the messages (the log reads
 * message.created from them), moves the conversations' last sequence number and the senders'
 * own read positions, and, only when the batch has any, claims attachments (refusing sends that
 * cannot claim all theirs, see claimChecks), counts replies on thread parents and files the word
 * filter's reports. It answers one row per send it took (`ord`, `seq`), one per send whose client
 * id was used before (`ord`, the earlier message) and, in the attachments shape, one per send
 * refused for an upload (`ord`, `unclaimable`, `refusal`).
 *
 * A named prepared statement per shape (a few at most): node-postgres prepares it once per
 * connection, so a batch is neither parsed nor planned again. Parsing and planning this
 * statement cost PostgreSQL more CPU than executing it for a batch of a few sends.
 */
export function writeBatch(inputs: NewMessage[], ids: string[], now: Date): pg.QueryConfig {
  const attachments = inputs.some((m) => (m.attachments?.length ?? 0) > 0);
  const threads = inputs.some((m) => m.parentId);
  const flags = inputs.some((m) => m.flagReason);
  const shape = `${attachments ? "a" : ""}${threads ? "t" : ""}${flags ? "f" : ""}`;
  return {
    name: `hallway_write_batch_${shape || "plain"}`,
    text: batchStatement(attachments, threads, flags),
    values: [
      inputs.map((_, i) => i),
      ids,
      inputs.map((m) => m.conversationId),
      inputs.map((m) => m.senderId),
      inputs.map((m) => m.clientId),
      inputs.map((m) => m.text),
      inputs.map((m) => m.flagReason ?? null),
      inputs.map((m) => m.kind ?? "text"),
      inputs.map((m) => m.parentId ?? null),
      inputs.map((m) => `{${(m.mentions ?? []).join(",")}}`),
      inputs.map((m) => m.mentionsEveryone ?? false),
      inputs.map((m) => JSON.stringify(m.attachments ?? [])),
      inputs.map((m) => (m.forwardedFrom ? JSON.stringify(m.forwardedFrom) : null)),
      now,
    ],
  };
}

const statements = new Map<string, string>();

/** The sends whose sender is a member and whose client id is new (the tail of a CTE over `input i`). */
const memberSends = `
      FROM input i JOIN locked l ON l.id = i.conversation_id
      CROSS JOIN LATERAL (
        SELECT 1 FROM members m
        WHERE m.conversation_id = i.conversation_id AND m.user_id = i.sender_id AND m.left_at IS NULL LIMIT 1
      ) member
      WHERE NOT EXISTS (SELECT 1 FROM earlier e WHERE e.ord = i.ord)`;

/**
 * The attachments shape's claim checks, between the sends that may be written (`eligible`)
 * and those that are (`accepted`). send-message checked the uploads before queueing, but
 * another send naming the same upload (another client id, this batch or another process) may
 * have passed the same check; so here, under the rows' locks, a send is `refused` unless it
 * can claim every upload it names, and then it claims them all. The rows are locked in id
 * order, after the conversations, so writers never deadlock; a row another transaction claimed
 * or deleted since this statement's snapshot is read as it is once that one commits.
 *
 * Refused (see Refusal): a send naming an upload that is gone or not the sender's upload to
 * this conversation, or already in a message — one this statement's snapshot does not show
 * when another transaction claimed it meanwhile — or one that an earlier send of the batch
 * names, when that send can claim all of its own: the first in the batch wins. (An earlier send
 * refused only because a still earlier one won an upload they share does not free its other
 * uploads for later sends in the same batch; they are refused as already sent.)
 */
const claimChecks = `named AS (
      SELECT e.ord, e.sender_id, e.conversation_id, (item.value->>'id')::uuid AS attachment_id, item.position
      FROM eligible e CROSS JOIN LATERAL jsonb_array_elements(e.attachments) WITH ORDINALITY AS item(value, position)
    ), held AS (
      SELECT x.id, x.uploader_id, x.conversation_id, x.message_id FROM attachments x
      WHERE x.id = ANY (ARRAY(SELECT attachment_id FROM named)) ORDER BY x.id FOR UPDATE
    ), unclaimable AS (
      SELECT n.ord, n.attachment_id, n.position,
        CASE WHEN h.id IS NULL THEN 'not_found' WHEN holder.seen THEN 'already_sent' ELSE 'sent_meanwhile' END AS refusal
      FROM named n LEFT JOIN held h
        ON h.id = n.attachment_id AND h.uploader_id = n.sender_id AND h.conversation_id = n.conversation_id
      LEFT JOIN LATERAL (SELECT true AS seen FROM messages m WHERE m.id = h.message_id LIMIT 1) holder ON true
      WHERE h.id IS NULL OR h.message_id IS NOT NULL
    ), contested AS (
      SELECT n.ord, n.attachment_id, n.position, 'already_sent' AS refusal
      FROM named n
      WHERE EXISTS (
        SELECT 1 FROM named o
        WHERE o.attachment_id = n.attachment_id AND o.ord < n.ord
          AND NOT EXISTS (SELECT 1 FROM unclaimable u WHERE u.ord = o.ord)
      )
    ), refused AS (
      SELECT DISTINCT ON (ord) ord, attachment_id, refusal
      FROM (SELECT * FROM unclaimable UNION ALL SELECT * FROM contested) r
      ORDER BY ord, position
    )`;

function batchStatement(attachments: boolean, threads: boolean, flags: boolean): string {
  const key = `${attachments}${threads}${flags}`;
  let text = statements.get(key);
  if (text) return text;
  // Mentions travel as one uuid[] per send, a 2-D array: unnest would flatten it, so each send's
  // list goes as a text of its own ('{...}') and is cast back per row.
  text = `
    WITH input AS (
      SELECT * FROM unnest(
        $1::int[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[],
        $9::uuid[], $10::text[], $11::boolean[], $12::jsonb[], $13::jsonb[]
      ) AS t(ord, id, conversation_id, sender_id, client_id, body, flag_reason, kind, parent_id, mentions,
        mentions_everyone, attachments, forwarded_from)
    ), locked AS (
      SELECT c.id, c.last_seq
      FROM (SELECT DISTINCT conversation_id FROM input ORDER BY conversation_id) i
      CROSS JOIN LATERAL (SELECT id, last_seq FROM conversations WHERE id = i.conversation_id FOR UPDATE) c
    ), earlier AS (
      SELECT i.ord, to_json(m) AS message
      FROM input i CROSS JOIN LATERAL (
        SELECT ${MESSAGE_COLUMNS.join(", ")} FROM messages
        WHERE sender_id = i.sender_id AND client_id = i.client_id LIMIT 1
      ) m
    ), ${
      attachments
        ? `eligible AS (
      SELECT i.*, l.last_seq${memberSends}
    ), ${claimChecks}, accepted AS (
      SELECT e.*, e.last_seq + row_number() OVER (PARTITION BY e.conversation_id ORDER BY e.ord) AS seq
      FROM eligible e WHERE NOT EXISTS (SELECT 1 FROM refused r WHERE r.ord = e.ord)`
        : `accepted AS (
      SELECT i.*, l.last_seq + row_number() OVER (PARTITION BY i.conversation_id ORDER BY i.ord) AS seq${memberSends}`
    }
    ), inserted AS (
      INSERT INTO messages (id, conversation_id, seq, sender_id, kind, body, client_id, created_at, flagged,
        parent_id, mentions, mentions_everyone, attachments, forwarded_from)
      SELECT id, conversation_id, seq, sender_id, kind, body, client_id, $14, flag_reason IS NOT NULL,
        parent_id, mentions::uuid[], mentions_everyone, attachments, forwarded_from
      FROM accepted${flags ? " RETURNING id" : ""}
    ), advanced AS (
      UPDATE conversations c
      SET last_seq = (SELECT max(a.seq) FROM accepted a WHERE a.conversation_id = c.id), updated_at = $14
      WHERE c.id = ANY (ARRAY(SELECT DISTINCT conversation_id FROM accepted))
    ), own_position AS (
      UPDATE members m
      SET last_read_seq = GREATEST(m.last_read_seq, a.top), last_delivered_seq = GREATEST(m.last_delivered_seq, a.top)
      FROM (SELECT conversation_id, sender_id, max(seq) AS top FROM accepted GROUP BY conversation_id, sender_id) a
      WHERE m.conversation_id = a.conversation_id AND m.user_id = a.sender_id
    )${
      attachments
        ? `, claimed AS (
      UPDATE attachments x SET message_id = a.id
      FROM named n JOIN accepted a ON a.ord = n.ord
      WHERE x.id = n.attachment_id AND x.message_id IS NULL
    )`
        : ""
    }${
      threads
        ? `, threaded AS (
      UPDATE messages p SET reply_count = p.reply_count + r.n, last_reply_at = $14
      FROM (SELECT parent_id, count(*)::int AS n FROM accepted WHERE parent_id IS NOT NULL GROUP BY parent_id) r
      WHERE p.id = r.parent_id
    )`
        : ""
    }${
      flags
        ? `, reported AS (
      INSERT INTO reports (message_id, conversation_id, reporter_id, reason, created_at)
      SELECT a.id, a.conversation_id, NULL, a.flag_reason, $14
      FROM accepted a JOIN inserted i ON i.id = a.id WHERE a.flag_reason IS NOT NULL
    ), flag_audited AS (
      INSERT INTO audit_log (actor_kind, action, target_type, target_id, details, at)
      SELECT 'system', 'message.flagged', 'message', a.id::text,
        jsonb_build_object('conversationId', a.conversation_id, 'senderId', a.sender_id, 'reason', a.flag_reason), $14
      FROM accepted a JOIN inserted i ON i.id = a.id WHERE a.flag_reason IS NOT NULL
    )`
        : ""
    }
    ${
      attachments
        ? `SELECT ord, seq, NULL::json AS earlier, NULL::uuid AS unclaimable, NULL::text AS refusal FROM accepted
    UNION ALL
    SELECT ord, NULL, message, NULL, NULL FROM earlier
    UNION ALL
    SELECT ord, NULL, NULL, attachment_id, refusal FROM refused`
        : `SELECT ord, seq, NULL::json AS earlier FROM accepted
    UNION ALL
    SELECT ord, NULL, message FROM earlier`
    }`;
  statements.set(key, text);
  return text;
}
