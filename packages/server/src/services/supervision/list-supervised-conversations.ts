import { sql } from "kysely";
import { HallwayError } from "../../errors.ts";
import { toUserProfile } from "../../postgres/rows.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireSupervisor } from "./supervision-access.ts";

interface Row {
  id: string;
  kind: "direct" | "group" | "section" | "primary" | "support" | "announcement";
  name: string | null;
  created_at: Date;
  updated_at: Date;
  updated_text: string;
  last_seq: number;
  member_count: number;
  members: {
    id: string;
    username: string;
    display_name: string;
    role: string;
    avatar_url: string | null;
    active: boolean;
  }[];
}

const MEMBERS_SHOWN = 20;

/**
 * For supervisors: the conversations that involve a student (a current member with a student
 * role), of any kind but the school-wide group, most recently active first; with `studentId`,
 * only that student's. The listing is audited (`supervision.listed`); so is every history read.
 */
export async function listSupervisedConversations(
  ctx: ServiceContext,
  principal: Principal,
  query: { studentId?: string; limit: number; cursor?: string },
  meta: { ip?: string } = {},
) {
  await requireSupervisor(ctx, principal);
  const students = ctx.policy.rules.roles.students;
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const { rows } = await sql<Row>`
    SELECT c.id, c.kind, c.name, c.created_at, c.updated_at, c.updated_at::text AS updated_text, c.last_seq,
      (SELECT count(*)::int FROM members mm WHERE mm.conversation_id = c.id AND mm.left_at IS NULL) AS member_count,
      (SELECT COALESCE(json_agg(shown), '[]') FROM (
        SELECT u.id, u.username, u.display_name, u.role, u.avatar_url, u.active
        FROM members mm JOIN users u ON u.id = mm.user_id JOIN roles r ON r.name = u.role
        WHERE mm.conversation_id = c.id AND mm.left_at IS NULL
        ORDER BY (NOT r.is_staff AND u.role = ANY(${students}::text[])) DESC, u.display_name, u.id
        LIMIT ${MEMBERS_SHOWN}) shown) AS members
    FROM conversations c
    WHERE c.kind <> 'primary'
      AND EXISTS (
        SELECT 1 FROM members s JOIN users u ON u.id = s.user_id JOIN roles r ON r.name = u.role
        WHERE s.conversation_id = c.id AND s.left_at IS NULL AND NOT r.is_staff AND u.role = ANY(${students}::text[])
          ${query.studentId ? sql`AND s.user_id = ${query.studentId}` : sql``})
      ${after ? sql`AND (c.updated_at, c.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
    ORDER BY c.updated_at DESC, c.id DESC
    LIMIT ${query.limit + 1}`.execute(ctx.db);
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  await recordAudit(ctx.db, principal, {
    action: "supervision.listed",
    targetType: query.studentId ? "user" : undefined,
    targetId: query.studentId,
    details: { count: page.length },
    ip: meta.ip,
  });
  const last = page.at(-1);
  return {
    conversations: page.map((r) => ({
      id: r.id,
      kind: r.kind,
      name: r.name,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      lastSeq: Number(r.last_seq),
      memberCount: r.member_count,
      members: r.members.map(toUserProfile),
    })),
    nextCursor:
      more && last ? Buffer.from(JSON.stringify([last.updated_text, last.id])).toString("base64url") : null,
  };
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(value) &&
      typeof value[0] === "string" &&
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(value[0]) &&
      typeof value[1] === "string" &&
      /^[0-9a-f-]{36}$/.test(value[1])
    )
      return [value[0], value[1]];
  } catch {}
  throw new HallwayError("VALIDATION_FAILED", "The cursor is not one this server gave out.");
}
