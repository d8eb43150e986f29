import type { Db } from "../../postgres/database.ts";
import type { Principal } from "../context.ts";

/** What the audit log records: who did what to what. Keep `details` small and free of message text. */
export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  ip?: string;
}

/**
 * Who acted: a principal (or just a user id, where no session exists yet, as at sign-in),
 * `"system"` for Hallway's own jobs, `"anonymous"` for someone not signed in (a failed sign-in).
 */
export type AuditActor = Principal | { kind: "user"; userId: string } | "system" | "anonymous";

/**
 * Appends to the audit log, inside the caller's transaction when given one, so the record and
 * the action commit together. The table refuses updates and deletes (see migration 0003).
 */
export async function recordAudit(db: Db, actor: AuditActor, entry: AuditEntry): Promise<void> {
  await recordAuditMany(db, actor, [entry]);
}

/** Several entries by one actor in one statement (a directory sync changing many roles). */
export async function recordAuditMany(
  db: Db,
  actor: AuditActor,
  entries: readonly AuditEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const actorKind = typeof actor === "string" ? actor : actor.kind;
  const actorId = typeof actor !== "string" && actor.kind === "user" ? actor.userId : null;
  // PostgreSQL takes at most 65,535 parameters a statement: 7 a row, so a thousand rows at a time.
  for (let i = 0; i < entries.length; i += 1_000) {
    await db
      .insertInto("audit_log")
      .values(
        entries.slice(i, i + 1_000).map((entry) => ({
          actor_id: actorId,
          actor_kind: actorKind,
          action: entry.action,
          target_type: entry.targetType ?? null,
          target_id: entry.targetId ?? null,
          details: JSON.stringify(entry.details ?? {}),
          ip: entry.ip ?? null,
        })),
      )
      .execute();
  }
}
