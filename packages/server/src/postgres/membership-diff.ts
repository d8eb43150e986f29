import { type RawBuilder, sql } from "kysely";
import type { Db } from "./database.ts";

/** One membership to make or end, as a rule derived from the directory wants it. */
export interface MembershipDelta {
  conversationId: string;
  userId: string;
  /** true: should be a member; false: should not be. */
  add: boolean;
}

/** What applying deltas actually changed, per conversation. */
export interface AppliedMembership {
  conversationId: string;
  added: string[];
  removed: string[];
}

/**
 * Locks conversation rows in id order, the order the batched writer uses, so a transaction
 * that changes many conversations never deadlocks with a batch of sends.
 */
export async function lockConversations(trx: Db, conversationIds: readonly string[]): Promise<void> {
  if (conversationIds.length === 0) return;
  await sql`SELECT id FROM conversations WHERE id = ANY(${[...new Set(conversationIds)]}::uuid[]) ORDER BY id FOR UPDATE`.execute(
    trx,
  );
}

/**
 * Applies membership deltas in two statements, whatever their number. Idempotent: a member
 * already there, or already gone, is left alone, and only real changes are returned. A
 * newcomer's read position starts at the conversation's end, so what came before is history,
 * not unread. Lock the conversations first (lockConversations).
 */
export async function applyMembershipDeltas(
  trx: Db,
  deltas: readonly MembershipDelta[],
): Promise<AppliedMembership[]> {
  const adds = deltas.filter((d) => d.add);
  const removes = deltas.filter((d) => !d.add);
  const byConversation = new Map<string, AppliedMembership>();
  const entry = (conversationId: string) => {
    let found = byConversation.get(conversationId);
    if (!found) {
      found = { conversationId, added: [], removed: [] };
      byConversation.set(conversationId, found);
    }
    return found;
  };
  if (adds.length > 0) {
    const { rows } = await sql<{ conversation_id: string; user_id: string }>`
      INSERT INTO members (conversation_id, user_id, last_read_seq, last_delivered_seq)
      SELECT t.conversation_id, t.user_id, c.last_seq, c.last_seq
      FROM unnest(${adds.map((d) => d.conversationId)}::uuid[], ${adds.map((d) => d.userId)}::uuid[]) AS t(conversation_id, user_id)
      JOIN conversations c ON c.id = t.conversation_id
      ON CONFLICT (conversation_id, user_id) DO UPDATE SET left_at = NULL, joined_at = now(),
          last_read_seq = GREATEST(members.last_read_seq, EXCLUDED.last_read_seq),
          last_delivered_seq = GREATEST(members.last_delivered_seq, EXCLUDED.last_delivered_seq)
        -- A moderator's ban holds against the directory too, until the ban is lifted.
        WHERE members.left_at IS NOT NULL AND members.banned_at IS NULL
      RETURNING conversation_id, user_id`.execute(trx);
    for (const row of rows) entry(row.conversation_id).added.push(row.user_id);
  }
  if (removes.length > 0) {
    const { rows } = await sql<{ conversation_id: string; user_id: string }>`
      UPDATE members m SET left_at = now()
      FROM unnest(${removes.map((d) => d.conversationId)}::uuid[], ${removes.map((d) => d.userId)}::uuid[]) AS t(conversation_id, user_id)
      WHERE m.conversation_id = t.conversation_id AND m.user_id = t.user_id AND m.left_at IS NULL
      RETURNING m.conversation_id, m.user_id`.execute(trx);
    for (const row of rows) entry(row.conversation_id).removed.push(row.user_id);
  }
  return [...byConversation.values()];
}

/**
 * Who should join and who should leave some conversations, in one query. `ctes` defines the
 * conversations and a `desired(conversation_id, user_id)` set; `scope` joins members to the
 * rows that count (the conversations, and the people a partial sync is about). Shared by section
 * groups, announcement audiences and support desks.
 */
export async function membershipDeltas(
  trx: Db,
  ctes: RawBuilder<unknown>,
  scope: RawBuilder<unknown>,
): Promise<MembershipDelta[]> {
  const { rows } = await sql<{ conversation_id: string; user_id: string; add: boolean }>`
    WITH ${ctes}, rows AS MATERIALIZED (
      -- Every row of these conversations by the primary key, then the current ones: asked for
      -- both at once, PostgreSQL may AND in the whole members_current_by_user index per conversation.
      SELECT m.conversation_id, m.user_id, m.left_at FROM members m ${scope}
    ), current AS MATERIALIZED (
      SELECT conversation_id, user_id FROM rows WHERE left_at IS NULL
    )
    SELECT conversation_id, user_id, true AS add FROM (SELECT * FROM desired EXCEPT SELECT * FROM current) a
    UNION ALL
    SELECT conversation_id, user_id, false FROM (SELECT * FROM current EXCEPT SELECT * FROM desired) r`.execute(
    trx,
  );
  return rows.map((r) => ({ conversationId: r.conversation_id, userId: r.user_id, add: r.add }));
}
