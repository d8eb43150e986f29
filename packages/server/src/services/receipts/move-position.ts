import { sql } from "kysely";
import { notFound } from "../../errors.ts";
import { UNREAD_COUNT_CAP } from "../../postgres/conversation-summaries.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

interface Moved {
  kind: string;
  last_read_seq: number;
  last_delivered_seq: number;
  read_moved: boolean;
  delivered_moved: boolean;
}

/**
 * Moves my read position (and with it the delivered one) forward to `seq`, never past the
 * conversation's last message and never backward. Returns the new position and my unread count.
 */
export async function markRead(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  seq: number,
): Promise<{ lastReadSeq: number; unreadCount: number }> {
  const me = requireUser(principal);
  const moved = await movePositions(ctx, me.userId, conversationId, seq, true);
  const unread = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM messages WHERE conversation_id = ${conversationId} AND seq > ${moved.last_read_seq}
        AND kind <> 'system' AND deleted_at IS NULL AND sender_id IS DISTINCT FROM ${me.userId}
      LIMIT ${UNREAD_COUNT_CAP}) unread`.execute(ctx.db);
  const unreadCount = unread.rows[0]!.n;
  if (moved.read_moved) {
    ctx.events.receiptMoved({
      conversationId,
      conversationKind: moved.kind,
      userId: me.userId,
      lastReadSeq: moved.last_read_seq,
      lastDeliveredSeq: moved.last_delivered_seq,
      unreadCount,
    });
  }
  return { lastReadSeq: moved.last_read_seq, unreadCount };
}

/** Moves my delivered position forward to `seq` (a device has received everything up to it). */
export async function markDelivered(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  seq: number,
): Promise<{ lastDeliveredSeq: number }> {
  const me = requireUser(principal);
  const moved = await movePositions(ctx, me.userId, conversationId, seq, false);
  if (moved.delivered_moved) {
    ctx.events.receiptMoved({
      conversationId,
      conversationKind: moved.kind,
      userId: me.userId,
      lastDeliveredSeq: moved.last_delivered_seq,
    });
  }
  return { lastDeliveredSeq: moved.last_delivered_seq };
}

async function movePositions(
  ctx: ServiceContext,
  userId: string,
  conversationId: string,
  seq: number,
  read: boolean,
): Promise<Moved> {
  const { rows } = await sql<Moved>`
    WITH target AS (
      SELECT m.conversation_id, c.kind, LEAST(${seq}::bigint, c.last_seq) AS seq, m.last_read_seq AS old_read, m.last_delivered_seq AS old_delivered
      FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.conversation_id = ${conversationId} AND m.user_id = ${userId} AND m.left_at IS NULL
    )
    UPDATE members m SET
      last_read_seq = CASE WHEN ${read} THEN GREATEST(m.last_read_seq, t.seq) ELSE m.last_read_seq END,
      last_delivered_seq = GREATEST(m.last_delivered_seq, t.seq)
    FROM target t
    WHERE m.conversation_id = t.conversation_id AND m.user_id = ${userId}
    RETURNING t.kind, m.last_read_seq, m.last_delivered_seq,
      m.last_read_seq > t.old_read AS read_moved, m.last_delivered_seq > t.old_delivered AS delivered_moved`.execute(
    ctx.db,
  );
  const row = rows[0];
  if (!row) throw notFound.conversation();
  return row;
}
