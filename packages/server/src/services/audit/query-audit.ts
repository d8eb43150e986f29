import type { AuditEntry, AuditQuery } from "@hallway/protocol";
import { type Expression, type SqlBool, sql } from "kysely";
import { HallwayError } from "../../errors.ts";
import type { Db } from "../../postgres/database.ts";
import { requireAdmin } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

/** An audit row with its actor's name, as queries read it. */
export interface AuditRow {
  id: number;
  at: Date;
  /** `at` exactly as PostgreSQL has it (microseconds), for the cursor. */
  at_text: string;
  actor_id: string | null;
  actor_kind: AuditEntry["actor"]["kind"];
  actor_display_name: string | null;
  actor_username: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

/** The columns of AuditRow, for a query `FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id`. */
export const AUDIT_COLUMNS = sql`a.id, a.at, a.at::text AS at_text, a.actor_id, a.actor_kind,
  u.display_name AS actor_display_name, u.username AS actor_username,
  a.action, a.target_type, a.target_id, a.details, a.ip`;

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: row.at.toISOString(),
    actor: {
      kind: row.actor_kind,
      id: row.actor_id,
      displayName: row.actor_display_name,
      username: row.actor_username,
    },
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: row.details ?? {},
    ip: row.ip,
  };
}

/**
 * The audit log for admins, newest first, filtered by actor, action (or `area.*`), target and
 * time, a page at a time. Pages are keyset pages on (time, id), so entries written meanwhile
 * never shift or repeat a page.
 */
export async function queryAudit(
  ctx: ServiceContext,
  principal: Principal,
  query: AuditQuery,
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  requireAdmin(principal);
  return readAuditPage(ctx.db, query);
}

export async function readAuditPage(
  db: Db,
  query: AuditQuery,
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const conditions: Expression<SqlBool>[] = [sql<boolean>`true`];
  if (query.actor) conditions.push(sql`a.actor_id = ${query.actor}`);
  if (query.action?.endsWith("*"))
    conditions.push(sql`a.action LIKE ${`${escapeLike(query.action.slice(0, -1))}%`}`);
  else if (query.action) conditions.push(sql`a.action = ${query.action}`);
  if (query.targetType) conditions.push(sql`a.target_type = ${query.targetType}`);
  if (query.targetId) conditions.push(sql`a.target_id = ${query.targetId}`);
  if (query.from) conditions.push(sql`a.at >= ${instant(query.from)}::timestamptz`);
  if (query.to) conditions.push(sql`a.at < ${instant(query.to)}::timestamptz`);
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor);
    conditions.push(sql`(a.at, a.id) < (${at}::timestamptz, ${id}::bigint)`);
  }
  const { rows } = await sql<AuditRow>`
    SELECT ${AUDIT_COLUMNS}
    FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY a.at DESC, a.id DESC
    LIMIT ${query.limit + 1}`.execute(db);
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    entries: page.map(toAuditEntry),
    nextCursor: more && last ? encodeCursor(last.at_text, Number(last.id)) : null,
  };
}

/** A date alone means midnight UTC. */
function instant(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function encodeCursor(at: string, id: number): string {
  return Buffer.from(JSON.stringify([at, id])).toString("base64url");
}

function decodeCursor(cursor: string): [string, number] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(value[0]) &&
      Number.isSafeInteger(value[1])
    )
      return [value[0], value[1] as number];
  } catch {}
  throw new HallwayError("VALIDATION_FAILED", "The cursor is not one this server gave out.");
}
