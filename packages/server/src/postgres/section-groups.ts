import { sql } from "kysely";
import type { Db } from "./database.ts";
import { type MembershipDelta, membershipDeltas } from "./membership-diff.ts";

/** What changed in the directory, for working out which section groups may have to follow. */
export interface DirectoryScope {
  /** Sections named in a sync (their lists, name or active flag may have changed). */
  sectionIds: readonly string[];
  /** People whose account, role, active flag, enrolments or children may have changed. */
  userIds: readonly string[];
  /** Students whose guardians changed (their sections' parents' groups follow). */
  studentIds: readonly string[];
}

/** The name of a section's group: the section's own name; its parents' group says so. */
const GROUP_NAME = sql`CASE WHEN c.section_group_for = 'parents' THEN s.name || ' (parents)' ELSE s.name END`;

/**
 * Sections whose groups may have to change: those named (an enrolment is only ever removed
 * from a named section), those the people teach or are enrolled in (they may have been
 * deactivated or brought back), and, for parents' groups, their children's sections and those
 * of the students whose guardians changed.
 */
export async function affectedSections(trx: Db, scope: DirectoryScope): Promise<string[]> {
  if (scope.sectionIds.length + scope.userIds.length + scope.studentIds.length === 0) return [];
  // Joins with the id lists, not `= ANY(array)`: PostgreSQL 17 may scan a 10,000-id array once
  // per row (2.4 s for a whole school's sync). unnest in FROM, not a CTE: the planner then knows
  // how many ids there are.
  const users = [...scope.userIds];
  const { rows } = await sql<{ section_id: string }>`
    SELECT unnest(${[...scope.sectionIds]}::uuid[]) AS section_id
    UNION SELECT sm.section_id FROM unnest(${users}::uuid[]) AS p(id) JOIN section_members sm ON sm.user_id = p.id
    UNION SELECT sm.section_id FROM unnest(${[...scope.studentIds]}::uuid[]) AS s(id)
      JOIN section_members sm ON sm.user_id = s.id
    UNION SELECT sm.section_id FROM unnest(${users}::uuid[]) AS p(id) JOIN guardian_links g ON g.parent_id = p.id
      JOIN section_members sm ON sm.user_id = g.student_id`.execute(trx);
  return rows.map((r) => r.section_id).filter((id): id is string => id !== null);
}

/**
 * Creates the missing groups of active sections: the students' group always, the parents'
 * group when the school has them. Returns the new groups' ids.
 */
export async function ensureSectionGroups(
  trx: Db,
  sectionIds: readonly string[],
  parentGroups: boolean,
): Promise<string[]> {
  if (sectionIds.length === 0) return [];
  const kinds = parentGroups ? ["students", "parents"] : ["students"];
  const { rows } = await sql<{ id: string }>`
    INSERT INTO conversations (kind, name, section_id, section_group_for)
    SELECT 'section', CASE WHEN g.f = 'parents' THEN s.name || ' (parents)' ELSE s.name END, s.id, g.f
    FROM sections s CROSS JOIN unnest(${kinds}::text[]) AS g(f)
    WHERE s.id = ANY(${[...sectionIds]}::uuid[]) AND s.active
    ORDER BY s.id, g.f
    ON CONFLICT (section_id, section_group_for) WHERE section_id IS NOT NULL DO NOTHING
    RETURNING id`.execute(trx);
  return rows.map((r) => r.id);
}

/** A section group whose name or frozen state no longer matches its section. */
export interface StaleSectionGroup {
  id: string;
  name: string;
  frozen: boolean;
}

export async function staleSectionGroups(
  trx: Db,
  sectionIds: readonly string[],
): Promise<StaleSectionGroup[]> {
  if (sectionIds.length === 0) return [];
  const { rows } = await sql<StaleSectionGroup>`
    SELECT c.id, ${GROUP_NAME} AS name, NOT s.active AS frozen
    FROM conversations c JOIN sections s ON s.id = c.section_id
    WHERE c.kind = 'section' AND c.section_id = ANY(${[...sectionIds]}::uuid[])
      AND (c.name IS DISTINCT FROM ${GROUP_NAME} OR (c.frozen_at IS NULL) <> s.active)`.execute(trx);
  return rows;
}

/** Renames and freezes (or thaws) groups; lock them first. */
export async function updateSectionGroups(trx: Db, groups: readonly StaleSectionGroup[]): Promise<void> {
  if (groups.length === 0) return;
  await sql`
    UPDATE conversations c SET name = t.name, updated_at = now(),
      frozen_at = CASE WHEN t.frozen THEN COALESCE(c.frozen_at, now()) ELSE NULL END
    FROM unnest(${groups.map((g) => g.id)}::uuid[], ${groups.map((g) => g.name)}::text[], ${groups.map((g) => g.frozen)}::boolean[])
      AS t(id, name, frozen)
    WHERE c.id = t.id`.execute(trx);
}

/**
 * What the groups of these sections need to match the directory: a students' group holds the
 * section's active teachers and students; a parents' group its active teachers and the active
 * guardians of its active students. Groups of inactive sections are frozen as they are.
 * Computed with set operations, so a whole school's sections cost one statement.
 */
export async function sectionGroupDeltas(trx: Db, sectionIds: readonly string[]): Promise<MembershipDelta[]> {
  if (sectionIds.length === 0) return [];
  return membershipDeltas(
    trx,
    sql`groups AS MATERIALIZED (
      SELECT c.id, c.section_id, c.section_group_for FROM conversations c JOIN sections s ON s.id = c.section_id
      WHERE c.kind = 'section' AND s.active AND c.section_id = ANY(${[...sectionIds]}::uuid[])
    ), desired AS MATERIALIZED (
      SELECT g.id AS conversation_id, sm.user_id FROM groups g
        JOIN section_members sm ON sm.section_id = g.section_id
        JOIN users u ON u.id = sm.user_id AND u.active
      WHERE g.section_group_for = 'students' OR sm.role = 'teacher'
      UNION
      SELECT g.id, gl.parent_id FROM groups g
        JOIN section_members sm ON sm.section_id = g.section_id AND sm.role = 'student'
        JOIN users st ON st.id = sm.user_id AND st.active
        JOIN guardian_links gl ON gl.student_id = sm.user_id
        JOIN users p ON p.id = gl.parent_id AND p.active
      WHERE g.section_group_for = 'parents'
    )`,
    sql`JOIN groups g ON g.id = m.conversation_id`,
  );
}
