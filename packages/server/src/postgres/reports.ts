import type { Report, UserProfile } from "@hallway/protocol";
import { type RawBuilder, sql } from "kysely";
import type { Db } from "./database.ts";

interface ReportRow {
  id: string;
  status: Report["status"];
  reason: string;
  created_at: Date;
  resolved_at: Date | null;
  resolution: string | null;
  message_id: string;
  message_seq: number;
  message_body: string;
  message_created_at: Date;
  message_deleted_at: Date | null;
  message_flagged: boolean;
  conversation_id: string;
  conversation_kind: Report["conversation"]["kind"];
  conversation_name: string | null;
  reporter: UserProfile | null;
  sender: UserProfile | null;
  resolver: UserProfile | null;
}

/** A joined user as a UserProfile JSON object, or null when the join found nobody. */
function profile(alias: "reporter" | "sender" | "resolver"): RawBuilder<unknown> {
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  return sql`CASE WHEN ${col("id")} IS NULL THEN NULL ELSE json_build_object(
    'id', ${col("id")}, 'username', ${col("username")}, 'displayName', ${col("display_name")},
    'role', ${col("role")}, 'avatarUrl', ${col("avatar_url")}, 'active', ${col("active")}) END`;
}

/**
 * Reports with everything a moderator needs to judge them in one query: the message as it was
 * stored (deleted or not), its conversation, its sender, the reporter and who resolved it.
 */
export async function loadReports(
  db: Db,
  filter: { reportId?: string; status?: Report["status"] | "all"; limit?: number },
): Promise<Report[]> {
  const where = [
    filter.reportId ? sql`r.id = ${filter.reportId}` : null,
    filter.status && filter.status !== "all" ? sql`r.status = ${filter.status}` : null,
  ].filter((w) => w !== null);
  // The open queue is worked oldest first; what has been dealt with reads newest first.
  const order =
    filter.status === "open" ? sql`r.created_at ASC, r.id ASC` : sql`r.created_at DESC, r.id DESC`;
  const { rows } = await sql<ReportRow>`
    SELECT r.id, r.status, r.reason, r.created_at, r.resolved_at, r.resolution,
      m.id AS message_id, m.seq AS message_seq, m.body AS message_body, m.created_at AS message_created_at,
      m.deleted_at AS message_deleted_at, m.flagged AS message_flagged,
      c.id AS conversation_id, c.kind AS conversation_kind, c.name AS conversation_name,
      ${profile("reporter")} AS reporter, ${profile("sender")} AS sender, ${profile("resolver")} AS resolver
    FROM reports r
    JOIN messages m ON m.id = r.message_id
    JOIN conversations c ON c.id = r.conversation_id
    LEFT JOIN users reporter ON reporter.id = r.reporter_id
    LEFT JOIN users sender ON sender.id = m.sender_id
    LEFT JOIN users resolver ON resolver.id = r.resolved_by
    ${where.length > 0 ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}
    ORDER BY ${order}
    LIMIT ${filter.limit ?? 1}`.execute(db);
  return rows.map(toReport);
}

function toReport(r: ReportRow): Report {
  return {
    id: r.id,
    status: r.status,
    reason: r.reason,
    createdAt: r.created_at.toISOString(),
    reporter: r.reporter,
    message: {
      id: r.message_id,
      seq: Number(r.message_seq),
      text: r.message_body,
      createdAt: r.message_created_at.toISOString(),
      deleted: r.message_deleted_at !== null,
      flagged: r.message_flagged,
    },
    conversation: { id: r.conversation_id, kind: r.conversation_kind, name: r.conversation_name },
    sender: r.sender,
    resolvedBy: r.resolver,
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    note: r.resolution,
  };
}
