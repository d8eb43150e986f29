import { sql } from "kysely";
import type { Db } from "./database.ts";

/** The id of the school-wide group (the first migration creates it; there is exactly one). */
export async function primaryConversationId(db: Db): Promise<string> {
  const row = await db
    .selectFrom("conversations")
    .select("id")
    .where("kind", "=", "primary")
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Keeps the school-wide group equal to the set of active users, for the given users: active
 * ones are (re)joined, inactive ones leave. No system message is written: with thousands of
 * users a join notice per person would drown the group. Returns who joined and who left.
 */
export async function syncPrimaryMembership(
  db: Db,
  userIds: string[],
): Promise<{ conversationId: string; conversationKind: "primary"; added: string[]; removed: string[] }> {
  const conversationId = await primaryConversationId(db);
  if (userIds.length === 0) return { conversationId, conversationKind: "primary", added: [], removed: [] };
  // A newcomer's read position starts at the current end: the school's old posts are not unread.
  const added = await sql<{ user_id: string }>`
    INSERT INTO members (conversation_id, user_id, last_read_seq, last_delivered_seq)
    SELECT ${conversationId}, u.id, c.last_seq, c.last_seq
    FROM users u JOIN conversations c ON c.id = ${conversationId}
    WHERE u.id = ANY(${userIds}::uuid[]) AND u.active
    ON CONFLICT (conversation_id, user_id) DO UPDATE SET left_at = NULL, joined_at = now(),
        last_read_seq = GREATEST(members.last_read_seq, EXCLUDED.last_read_seq),
        last_delivered_seq = GREATEST(members.last_delivered_seq, EXCLUDED.last_delivered_seq)
      WHERE members.left_at IS NOT NULL
    RETURNING user_id`.execute(db);
  // ARRAY(...) is computed once: as `user_id IN (subquery)` PostgreSQL 17 may re-scan the id
  // array per member row, which took 25 s for a 10,000-user sync.
  const removed = await sql<{ user_id: string }>`
    UPDATE members SET left_at = now()
    WHERE conversation_id = ${conversationId} AND left_at IS NULL
      AND user_id = ANY(ARRAY(SELECT id FROM users WHERE id = ANY(${userIds}::uuid[]) AND NOT active))
    RETURNING user_id`.execute(db);
  return {
    conversationId,
    conversationKind: "primary",
    added: added.rows.map((r) => r.user_id),
    removed: removed.rows.map((r) => r.user_id),
  };
}
