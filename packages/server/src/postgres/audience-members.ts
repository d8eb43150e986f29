import { sql } from "kysely";
import type { Db } from "./database.ts";
import { type MembershipDelta, membershipDeltas } from "./membership-diff.ts";

/** Which people (and their guardians) and which channels to bring in step; null: all of them. */
export interface AudienceScope {
  userIds: readonly string[] | null;
  conversationIds: readonly string[] | null;
}

/**
 * What announcement channels need to match their audiences: every active person whose role
 * passes the roles filter and who is enrolled in, teaches, or has a child in one of the
 * sections (when sections are given), and the channel's author while active. The same rule as
 * the policy's `inAudience`, as one set operation over all channels.
 */
export async function audienceDeltas(trx: Db, scope: AudienceScope): Promise<MembershipDelta[]> {
  if (scope.userIds?.length === 0 || scope.conversationIds?.length === 0) return [];
  const any = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM conversations WHERE kind = 'announcement') AS found`.execute(trx);
  if (!any.rows[0]?.found) return [];
  const users = scope.userIds ? [...scope.userIds] : null;
  const channels = scope.conversationIds ? [...scope.conversationIds] : null;
  return membershipDeltas(
    trx,
    sql`channels AS MATERIALIZED (
      SELECT id, created_by,
        CASE WHEN jsonb_typeof(audience->'roles') = 'array'
          THEN ARRAY(SELECT jsonb_array_elements_text(audience->'roles')) END AS roles,
        CASE WHEN jsonb_typeof(audience->'sectionIds') = 'array'
          THEN ARRAY(SELECT jsonb_array_elements_text(audience->'sectionIds'))::uuid[] END AS section_ids
      FROM conversations
      WHERE kind = 'announcement' AND (${channels}::uuid[] IS NULL OR id = ANY(${channels}::uuid[]))
    ), people AS MATERIALIZED (
      SELECT u.id, u.role, u.active, ARRAY(
          SELECT sm.section_id FROM section_members sm WHERE sm.user_id = u.id
          UNION
          SELECT sm.section_id FROM guardian_links g
            JOIN section_members sm ON sm.user_id = g.student_id AND sm.role = 'student'
          WHERE g.parent_id = u.id) AS sections
      FROM ${
        users
          ? // A student's enrolment moves their guardians' audiences too.
            sql`(SELECT s.id FROM unnest(${users}::uuid[]) AS s(id)
                 UNION SELECT g.parent_id FROM unnest(${users}::uuid[]) AS s(id)
                   JOIN guardian_links g ON g.student_id = s.id) s JOIN users u ON u.id = s.id`
          : sql`users u`
      }
    ), desired AS MATERIALIZED (
      SELECT c.id AS conversation_id, p.id AS user_id FROM channels c JOIN people p ON p.active
        AND (p.id = c.created_by OR ((c.roles IS NULL OR p.role = ANY(c.roles))
          AND (c.section_ids IS NULL OR p.sections && c.section_ids)))
    )`,
    sql`JOIN channels c ON c.id = m.conversation_id JOIN people p ON p.id = m.user_id`,
  );
}
