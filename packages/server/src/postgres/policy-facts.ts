import type { ConversationKind } from "@hallway/protocol";
import { sql } from "kysely";
import type {
  AnnouncementAudience,
  ConversationFacts,
  Membership,
  Person,
  RoleFacts,
} from "../domain/policy/index.ts";
import type { Db } from "./database.ts";

interface PersonRow {
  id: string;
  role: string;
  is_staff: boolean;
  taught: string[];
  enrolled: string[];
  children: string[];
  child_sections: string[];
  parents: string[];
}

/** People with their ties in the directory, as the policy needs them: one query for all. */
export async function loadPeople(db: Db, ids: readonly string[]): Promise<Map<string, Person>> {
  const people = new Map<string, Person>();
  if (ids.length === 0) return people;
  const { rows } = await sql<PersonRow>`
    SELECT u.id, u.role, r.is_staff,
      ARRAY(SELECT section_id FROM section_members WHERE user_id = u.id AND role = 'teacher') AS taught,
      ARRAY(SELECT section_id FROM section_members WHERE user_id = u.id AND role = 'student') AS enrolled,
      ARRAY(SELECT student_id FROM guardian_links WHERE parent_id = u.id) AS children,
      ARRAY(SELECT DISTINCT sm.section_id FROM guardian_links g
            JOIN section_members sm ON sm.user_id = g.student_id AND sm.role = 'student'
            WHERE g.parent_id = u.id) AS child_sections,
      ARRAY(SELECT parent_id FROM guardian_links WHERE student_id = u.id) AS parents
    FROM users u JOIN roles r ON r.name = u.role
    WHERE u.id = ANY(${[...ids]}::uuid[])`.execute(db);
  for (const row of rows) {
    people.set(row.id, {
      id: row.id,
      role: row.role,
      isStaff: row.is_staff,
      taughtSectionIds: row.taught,
      enrolledSectionIds: row.enrolled,
      childIds: row.children,
      childSectionIds: row.child_sections,
      parentIds: row.parents,
    });
  }
  return people;
}

/** A conversation's facts, without the per-actor parts (the peer of a direct conversation). */
export interface StoredConversationFacts extends Omit<ConversationFacts, "peer"> {
  id: string;
  /** Current members of a direct conversation (to find the peer of an actor). */
  directMemberIds: string[];
  /** Moderation state per current member. */
  members: Map<string, Membership>;
}

interface ConversationRow {
  id: string;
  kind: ConversationKind;
  creator_role: string | null;
  creator_is_staff: boolean | null;
  section_id: string | null;
  section_group_for: "students" | "parents";
  audience: AnnouncementAudience | null;
  support_desk: string | null;
  support_requester_id: string | null;
  slow_mode_seconds: number;
  frozen: boolean;
  member_roles: RoleFacts[];
  banned: string[];
  members: { id: string; role: "admin" | "member"; muted: boolean }[];
}

/** Several conversations' facts in one query (the policy's misses and refresh); unknown ids are left out. */
export async function loadManyConversationFacts(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, StoredConversationFacts>> {
  const facts = new Map<string, StoredConversationFacts>();
  if (ids.length === 0) return facts;
  const { rows } = await sql<ConversationRow>`
    SELECT c.id, c.kind, cr.role AS creator_role, crr.is_staff AS creator_is_staff, c.section_id, c.section_group_for,
      c.audience, c.support_desk, c.support_requester_id, c.slow_mode_seconds, c.frozen_at IS NOT NULL AS frozen,
      COALESCE((SELECT json_agg(DISTINCT jsonb_build_object('role', u.role, 'isStaff', r.is_staff))
        FROM members m JOIN users u ON u.id = m.user_id JOIN roles r ON r.name = u.role
        WHERE m.conversation_id = c.id AND m.left_at IS NULL), '[]') AS member_roles,
      ARRAY(SELECT user_id FROM members WHERE conversation_id = c.id AND banned_at IS NOT NULL) AS banned,
      CASE WHEN c.kind IN ('primary', 'announcement') THEN '[]'::json ELSE COALESCE((
        SELECT json_agg(json_build_object('id', m.user_id, 'role', m.role, 'muted', m.muted_until IS NOT NULL AND m.muted_until > now()))
        FROM members m WHERE m.conversation_id = c.id AND m.left_at IS NULL), '[]') END AS members
    FROM conversations c
    LEFT JOIN users cr ON cr.id = c.created_by
    LEFT JOIN roles crr ON crr.name = cr.role
    WHERE c.id = ANY(${[...ids]}::uuid[])`.execute(db);
  for (const row of rows) facts.set(row.id, conversationFacts(row));
  return facts;
}

function conversationFacts(row: ConversationRow): StoredConversationFacts {
  return {
    id: row.id,
    kind: row.kind,
    creator:
      row.creator_role === null ? null : { role: row.creator_role, isStaff: Boolean(row.creator_is_staff) },
    sectionId: row.section_id,
    sectionGroupFor: row.section_group_for,
    audience: row.audience,
    supportDesk: row.support_desk,
    requesterId: row.support_requester_id,
    memberRoles: row.member_roles,
    bannedUserIds: row.banned,
    slowModeSeconds: row.slow_mode_seconds,
    frozen: row.frozen,
    directMemberIds: row.kind === "direct" ? row.members.map((m) => m.id) : [],
    members: new Map(row.members.map((m) => [m.id, { role: m.role, muted: m.muted }])),
  };
}
