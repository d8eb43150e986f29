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
 * Appends to the audit log, inside the caller's transaction when given one, so the record and
 * the action commit together. The table refuses updates and deletes (see migration 0003).
 */
export async function recordAudit(db: Db, actor: Principal | "system", entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      actor_id: actor !== "system" && actor.kind === "user" ? actor.userId : null,
      actor_kind: actor === "system" ? "system" : actor.kind,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      details: JSON.stringify(entry.details ?? {}),
      ip: entry.ip ?? null,
    })
    .execute();
}
