import { CLOSE_CODES } from "@hallway/protocol";
import { sql } from "kysely";
import type { Db } from "../postgres/database.ts";
import type { Connection } from "./connection.ts";
import type { ConversationEvent, MembershipChange, ReceiptMove } from "./event-publisher.ts";
import { encodeEvent } from "./frames.ts";

/** Conversations whose receipts and typing go to every member; elsewhere only to the user's own devices. */
const SMALL_CONVERSATION_KINDS = new Set(["direct", "group", "section", "support"]);

/**
 * Routes committed events to the connections that should see them. Per event: one encode,
 * then one socket write per connection of a member. No query on the delivery path; the
 * database is read only to fill a gap (see ConversationStream).
 */
export class Hub {
  readonly connectionsByUser = new Map<string, Set<Connection>>();
  private readonly routes = new Map<string, Set<Connection>>();

  constructor(private readonly db: Db) {}

  get connectionCount(): number {
    let n = 0;
    for (const set of this.connectionsByUser.values()) n += set.size;
    return n;
  }

  add(connection: Connection): void {
    let set = this.connectionsByUser.get(connection.userId);
    if (!set) {
      set = new Set();
      this.connectionsByUser.set(connection.userId, set);
    }
    set.add(connection);
  }

  remove(connection: Connection): void {
    const set = this.connectionsByUser.get(connection.userId);
    set?.delete(connection);
    if (set?.size === 0) this.connectionsByUser.delete(connection.userId);
    for (const conversationId of connection.streams.keys()) this.unroute(conversationId, connection);
  }

  /**
   * Starts (or restarts) the event stream of a connection. Routes are registered before the
   * positions are checked against the database, so an event committed in between is either
   * seen live or found by the check: nothing falls between the two.
   */
  async resume(connection: Connection, positions: Record<string, number>): Promise<Record<string, number>> {
    const memberships = await sql<{ conversation_id: string; kind: string; last_seq: number }>`
      SELECT m.conversation_id, c.kind, c.last_seq FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.user_id = ${connection.userId} AND m.left_at IS NULL`.execute(this.db);
    if (connection.closed) return {};
    for (const stream of [...connection.streams.keys()]) this.unroute(stream, connection);
    connection.streams.clear();
    const ids: string[] = [];
    for (const row of memberships.rows) {
      const known = positions[row.conversation_id];
      const start = known === undefined ? Number(row.last_seq) : Math.min(known, Number(row.last_seq));
      connection.follow(row.conversation_id, row.kind, start);
      this.route(row.conversation_id, connection);
      ids.push(row.conversation_id);
    }
    connection.resumed = true;
    const latest = await sql<{
      id: string;
      last_seq: number;
    }>`SELECT id, last_seq FROM conversations WHERE id = ANY(${ids}::uuid[])`.execute(this.db);
    const replayed: Record<string, number> = {};
    await Promise.all(
      latest.rows.map(async (row) => {
        const stream = connection.streams.get(row.id);
        if (!stream || stream.position === null) return;
        const from = stream.position;
        await stream.want(Number(row.last_seq));
        const sent = (stream.position ?? from) - from;
        if (sent > 0) replayed[row.id] = sent;
      }),
    );
    return replayed;
  }

  /** Committed log events: one encode each, then a write per following connection. */
  deliver(events: ConversationEvent[]): void {
    for (const event of events) {
      const connections = this.routes.get(event.conversationId);
      if (!connections) continue;
      const frame = encodeEvent(event.type, event.type === "message.created" ? event.message : event.data);
      for (const connection of connections)
        connection.streams.get(event.conversationId)?.offer(event.seq, frame);
    }
  }

  membershipChanged(change: MembershipChange): void {
    const joined =
      change.added.length > 0
        ? encodeEvent("conversation.joined", { conversationId: change.conversationId })
        : null;
    for (const userId of change.added) {
      for (const connection of this.connectionsByUser.get(userId) ?? []) {
        if (!connection.resumed) continue;
        if (!connection.streams.has(change.conversationId)) {
          connection.follow(change.conversationId, change.conversationKind, null);
          this.route(change.conversationId, connection);
        }
        connection.sendRaw(joined!);
      }
    }
    const left =
      change.removed.length > 0
        ? encodeEvent("conversation.left", { conversationId: change.conversationId })
        : null;
    for (const userId of change.removed) {
      for (const connection of this.connectionsByUser.get(userId) ?? []) {
        if (!connection.streams.has(change.conversationId)) continue;
        connection.unfollow(change.conversationId);
        this.unroute(change.conversationId, connection);
        connection.sendRaw(left!);
      }
    }
  }

  sessionsRevoked(userId: string, sessionIds: string[] | "all"): void {
    for (const connection of [...(this.connectionsByUser.get(userId) ?? [])]) {
      if (sessionIds === "all" || sessionIds.includes(connection.principal.sessionId)) {
        connection.close(CLOSE_CODES.SESSION_REVOKED, "session ended");
      }
    }
  }

  /** Read and delivered positions: to every member in small conversations, to the reader's own devices always. */
  receiptMoved(move: ReceiptMove): void {
    const everyone = SMALL_CONVERSATION_KINDS.has(move.conversationKind);
    const frames: Buffer[] = [];
    if (move.lastReadSeq !== undefined) {
      frames.push(
        encodeEvent("read.updated", {
          conversationId: move.conversationId,
          userId: move.userId,
          lastReadSeq: move.lastReadSeq,
        }),
      );
    }
    if (move.lastDeliveredSeq !== undefined && move.lastReadSeq === undefined) {
      frames.push(
        encodeEvent("delivered.updated", {
          conversationId: move.conversationId,
          userId: move.userId,
          lastDeliveredSeq: move.lastDeliveredSeq,
        }),
      );
    }
    const ownRead =
      move.lastReadSeq !== undefined
        ? encodeEvent("read.updated", {
            conversationId: move.conversationId,
            userId: move.userId,
            lastReadSeq: move.lastReadSeq,
            unreadCount: move.unreadCount,
          })
        : null;
    for (const connection of this.routes.get(move.conversationId) ?? []) {
      const own = connection.userId === move.userId;
      if (own && ownRead) connection.sendRaw(ownRead);
      else if (own || everyone) for (const frame of frames) connection.sendRaw(frame);
    }
  }

  /** An ephemeral frame to the members following a conversation, except one user's own devices. */
  toMembers(conversationId: string, frame: Buffer, exceptUserId?: string): void {
    for (const connection of this.routes.get(conversationId) ?? []) {
      if (connection.userId !== exceptUserId) connection.sendRaw(frame);
    }
  }

  closeAll(code: number, reason: string): void {
    for (const set of this.connectionsByUser.values())
      for (const connection of set) connection.close(code, reason);
  }

  private route(conversationId: string, connection: Connection): void {
    let set = this.routes.get(conversationId);
    if (!set) {
      set = new Set();
      this.routes.set(conversationId, set);
    }
    set.add(connection);
  }

  private unroute(conversationId: string, connection: Connection): void {
    const set = this.routes.get(conversationId);
    set?.delete(connection);
    if (set?.size === 0) this.routes.delete(conversationId);
  }
}
