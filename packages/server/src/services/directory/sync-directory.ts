import type { DirectorySyncBody, DirectorySyncResult } from "@hallway/protocol";
import { sql } from "kysely";
import type { Db } from "../../postgres/database.ts";
import { syncPrimaryMembership } from "../../postgres/primary-group.ts";
import { upsertDirectoryUsers } from "../../postgres/upsert-directory-users.ts";
import { directoryAuditEntries } from "../audit/directory-audit.ts";
import { recordAuditMany } from "../audit/record-audit.ts";
import { requireAdminOrService } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { followDirectory, publishFollowed } from "./follow-directory.ts";

/**
 * The school system pushes its directory: users, sections with their full teacher and student
 * lists, and parents with their full list of children, keyed by its own ids. Idempotent: the
 * same call twice changes nothing the second time. All or nothing: one transaction.
 * Deactivated users lose their sessions at once. Section groups, announcement audiences and
 * support desks follow the changes in the same transaction (see followDirectory).
 */
export async function syncDirectory(
  ctx: ServiceContext,
  principal: Principal,
  input: DirectorySyncBody,
): Promise<DirectorySyncResult> {
  requireAdminOrService(principal);
  const { result, deactivatedIds, membership, followed } = await ctx.db.transaction().execute(async (trx) => {
    const users = await upsertDirectoryUsers(trx, input.users);
    await recordAuditMany(trx, principal, directoryAuditEntries(users));
    const referenced = new Set<string>();
    for (const s of input.sections) for (const id of [...s.teacherIds, ...s.studentIds]) referenced.add(id);
    for (const g of input.guardians) for (const id of [g.parentId, ...g.studentIds]) referenced.add(id);
    const idOf = await resolveExternalIds(trx, [...referenced], users.idByExternalId);
    const unknown = [...referenced].filter((id) => !idOf.has(id));

    const sections = await upsertSections(trx, input.sections);
    const enrolments = await replaceEnrolments(trx, input.sections, sections.idByExternalId, idOf);
    const guardians = await replaceGuardianLinks(trx, input.guardians, idOf);

    if (users.deactivatedIds.length > 0) {
      await trx
        .updateTable("sessions")
        .set({ revoked_at: new Date() })
        .where("user_id", "in", users.deactivatedIds)
        .where("revoked_at", "is", null)
        .execute();
    }
    // Before the school-wide group: this locks the conversations it changes in id order, as the
    // batched writer does, before touching any member row.
    const followed = await followDirectory(trx, ctx.policy.rules, {
      sectionIds: [...sections.idByExternalId.values()],
      userIds: [
        ...new Set([...users.idByExternalId.values(), ...enrolments.userIds, ...guardians.parentIds]),
      ],
      studentIds: guardians.studentIds,
    });
    const membership = await syncPrimaryMembership(trx, [...users.idByExternalId.values()]);
    const result: DirectorySyncResult = {
      users: {
        created: users.created,
        updated: users.updated,
        unchanged: users.unchanged,
        deactivated: users.deactivatedIds.length,
      },
      sections: { created: sections.created, updated: sections.updated, unchanged: sections.unchanged },
      enrolments: { added: enrolments.added, removed: enrolments.removed },
      guardians: { added: guardians.added, removed: guardians.removed },
      unknownExternalIds: unknown.slice(0, 1_000),
    };
    return { result, deactivatedIds: users.deactivatedIds, membership, followed };
  });
  // Roles, enrolments and family links decide who may message whom.
  ctx.policy.forgetPeople();
  for (const userId of deactivatedIds) ctx.events.sessionsRevoked(userId, "all");
  if (membership.added.length + membership.removed.length > 0) ctx.events.membershipChanged(membership);
  publishFollowed(ctx, followed);
  return result;
}

async function resolveExternalIds(
  trx: Db,
  externalIds: string[],
  known: Map<string, string>,
): Promise<Map<string, string>> {
  const idOf = new Map<string, string>();
  const missing: string[] = [];
  for (const id of externalIds) {
    const userId = known.get(id);
    if (userId) idOf.set(id, userId);
    else missing.push(id);
  }
  if (missing.length > 0) {
    const rows = await trx
      .selectFrom("users")
      .select(["id", "external_id"])
      .where("external_id", "in", missing)
      .execute();
    for (const row of rows) idOf.set(row.external_id!, row.id);
  }
  return idOf;
}

async function upsertSections(trx: Db, sections: DirectorySyncBody["sections"]) {
  const idByExternalId = new Map<string, string>();
  if (sections.length === 0) return { created: 0, updated: 0, unchanged: 0, idByExternalId };
  const unique = [...new Map(sections.map((s) => [s.externalId, s])).values()];
  const { rows } = await sql<{ id: string; external_id: string; inserted: boolean }>`
    INSERT INTO sections (external_id, name, active)
    SELECT * FROM unnest(${unique.map((s) => s.externalId)}::text[], ${unique.map((s) => s.name)}::text[], ${unique.map((s) => s.active)}::boolean[])
    ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, active = EXCLUDED.active, updated_at = now()
      WHERE (sections.name, sections.active) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.active)
    RETURNING id, external_id, (xmax = 0) AS inserted`.execute(trx);
  let created = 0;
  for (const row of rows) {
    idByExternalId.set(row.external_id, row.id);
    if (row.inserted) created++;
  }
  const untouched = unique.filter((s) => !idByExternalId.has(s.externalId)).map((s) => s.externalId);
  if (untouched.length > 0) {
    const found = await trx
      .selectFrom("sections")
      .select(["id", "external_id"])
      .where("external_id", "in", untouched)
      .execute();
    for (const row of found) idByExternalId.set(row.external_id, row.id);
  }
  return { created, updated: rows.length - created, unchanged: untouched.length, idByExternalId };
}

/** Makes each named section's teachers and students exactly the lists given; says whose changed. */
async function replaceEnrolments(
  trx: Db,
  sections: DirectorySyncBody["sections"],
  sectionIdOf: Map<string, string>,
  userIdOf: Map<string, string>,
): Promise<{ added: number; removed: number; userIds: string[] }> {
  if (sections.length === 0) return { added: 0, removed: 0, userIds: [] };
  const sectionIds: string[] = [];
  const userIds: string[] = [];
  const roles: string[] = [];
  const bySection = new Map<string, Map<string, "teacher" | "student">>();
  for (const section of sections) {
    const sectionId = sectionIdOf.get(section.externalId)!;
    const desired = new Map<string, "teacher" | "student">();
    for (const id of section.studentIds) if (userIdOf.has(id)) desired.set(userIdOf.get(id)!, "student");
    for (const id of section.teacherIds) if (userIdOf.has(id)) desired.set(userIdOf.get(id)!, "teacher");
    bySection.set(sectionId, desired); // a section named twice: the last list wins
  }
  for (const [sectionId, desired] of bySection) {
    for (const [userId, role] of desired) {
      sectionIds.push(sectionId);
      userIds.push(userId);
      roles.push(role);
    }
  }
  const removed = await sql<{ user_id: string }>`
    DELETE FROM section_members sm WHERE sm.section_id = ANY(${[...bySection.keys()]}::uuid[])
      AND (sm.section_id, sm.user_id) NOT IN (SELECT * FROM unnest(${sectionIds}::uuid[], ${userIds}::uuid[]))
    RETURNING sm.user_id`.execute(trx);
  const added = await sql<{ user_id: string; inserted: boolean }>`
    INSERT INTO section_members (section_id, user_id, role)
    SELECT * FROM unnest(${sectionIds}::uuid[], ${userIds}::uuid[], ${roles}::text[])
    ON CONFLICT (section_id, user_id) DO UPDATE SET role = EXCLUDED.role WHERE section_members.role <> EXCLUDED.role
    RETURNING user_id, (xmax = 0) AS inserted`.execute(trx);
  return {
    added: added.rows.filter((r) => r.inserted).length,
    removed: removed.rows.length,
    userIds: [...new Set([...removed.rows, ...added.rows].map((r) => r.user_id))],
  };
}

/** Makes each named parent's children exactly the list given; says whose links changed. */
async function replaceGuardianLinks(
  trx: Db,
  guardians: DirectorySyncBody["guardians"],
  userIdOf: Map<string, string>,
): Promise<{ added: number; removed: number; parentIds: string[]; studentIds: string[] }> {
  const parents = new Map<string, Set<string>>();
  for (const g of guardians) {
    const parentId = userIdOf.get(g.parentId);
    if (!parentId) continue;
    parents.set(
      parentId,
      new Set(
        g.studentIds
          .map((id) => userIdOf.get(id))
          .filter((id): id is string => id !== undefined && id !== parentId),
      ),
    );
  }
  if (parents.size === 0) return { added: 0, removed: 0, parentIds: [], studentIds: [] };
  const parentIds: string[] = [];
  const studentIds: string[] = [];
  for (const [parentId, children] of parents) {
    for (const studentId of children) {
      parentIds.push(parentId);
      studentIds.push(studentId);
    }
  }
  const removed = await sql<{ parent_id: string; student_id: string }>`
    DELETE FROM guardian_links gl WHERE gl.parent_id = ANY(${[...parents.keys()]}::uuid[])
      AND (gl.parent_id, gl.student_id) NOT IN (SELECT * FROM unnest(${parentIds}::uuid[], ${studentIds}::uuid[]))
    RETURNING gl.parent_id, gl.student_id`.execute(trx);
  const added = await sql<{ parent_id: string; student_id: string }>`
    INSERT INTO guardian_links (parent_id, student_id)
    SELECT * FROM unnest(${parentIds}::uuid[], ${studentIds}::uuid[])
    ON CONFLICT DO NOTHING
    RETURNING parent_id, student_id`.execute(trx);
  const changed = [...removed.rows, ...added.rows];
  return {
    added: added.rows.length,
    removed: removed.rows.length,
    parentIds: [...new Set(changed.map((r) => r.parent_id))],
    studentIds: [...new Set(changed.map((r) => r.student_id))],
  };
}
