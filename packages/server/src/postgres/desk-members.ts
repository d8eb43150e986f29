import { sql } from "kysely";
import type { Db } from "./database.ts";
import { type MembershipDelta, membershipDeltas } from "./membership-diff.ts";

/** Which people and which support conversations to bring in step; null: all of them. */
export interface DeskScope {
  userIds: readonly string[] | null;
  conversationIds: readonly string[] | null;
}

/**
 * What open (and claimed) support conversations need: the person who asked, and every active
 * member of staff whose role is the conversation's desk, while that desk is one of the
 * school's. Staff who left the role or the school leave its open conversations; resolved ones
 * keep their members as they were (the asker writing again reopens one, and brings the desk in).
 */
export async function deskDeltas(
  trx: Db,
  desks: readonly string[],
  scope: DeskScope,
): Promise<MembershipDelta[]> {
  if (scope.userIds?.length === 0 || scope.conversationIds?.length === 0) return [];
  const any = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM conversations WHERE kind = 'support' AND support_status IN ('open', 'claimed')) AS found`.execute(
    trx,
  );
  if (!any.rows[0]?.found) return [];
  const users = scope.userIds ? [...scope.userIds] : null;
  const tickets = scope.conversationIds ? [...scope.conversationIds] : null;
  return membershipDeltas(
    trx,
    sql`tickets AS MATERIALIZED (
      SELECT id, support_desk, support_requester_id FROM conversations
      WHERE kind = 'support' AND support_status IN ('open', 'claimed')
        AND (${tickets}::uuid[] IS NULL OR id = ANY(${tickets}::uuid[]))
    ), people AS (
      SELECT u.id, u.role, u.active, r.is_staff
      FROM ${users ? sql`unnest(${users}::uuid[]) AS s(id) JOIN users u ON u.id = s.id` : sql`users u`}
        JOIN roles r ON r.name = u.role
    ), desired AS MATERIALIZED (
      SELECT t.id AS conversation_id, p.id AS user_id FROM tickets t
        JOIN people p ON p.role = t.support_desk AND p.active AND p.is_staff AND p.role = ANY(${[...desks]}::text[])
      UNION
      SELECT t.id, p.id FROM tickets t JOIN people p ON p.id = t.support_requester_id
    )`,
    sql`JOIN tickets t ON t.id = m.conversation_id JOIN people p ON p.id = m.user_id`,
  );
}
