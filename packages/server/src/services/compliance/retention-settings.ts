import type { ConversationKind } from "@hallway/protocol";
import { sql } from "kysely";
import type { Db } from "../../postgres/database.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireAdmin } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

/** The school_settings key of the retention rule: `{"days": n}`, or `{"days": null}` to keep everything. */
const RETENTION_KEY = "retention";

export interface RetentionSettingsView {
  days: number | null;
  updatedAt: string | null;
  updatedBy: string | null;
  legalHolds: { conversationId: string; kind: ConversationKind; name: string | null }[];
}

/** The school's retention rule in days; null when messages are kept for ever (the default). */
export async function readRetentionDays(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom("school_settings")
    .select("value")
    .where("key", "=", RETENTION_KEY)
    .executeTakeFirst();
  const days = (row?.value as { days?: unknown } | undefined)?.days;
  return typeof days === "number" && Number.isInteger(days) && days > 0 ? days : null;
}

/** The rule and the conversations on legal hold, for admins. */
export async function getRetentionSettings(
  ctx: ServiceContext,
  principal: Principal,
): Promise<RetentionSettingsView> {
  requireAdmin(principal);
  return readSettings(ctx.db);
}

/**
 * An admin sets the rule: messages older than `days` are deleted by the daily retention job,
 * except in conversations on legal hold; null keeps everything. Audited with the old and new
 * values.
 */
export async function setRetention(
  ctx: ServiceContext,
  principal: Principal,
  days: number | null,
  meta: { ip?: string } = {},
): Promise<RetentionSettingsView> {
  const me = requireAdmin(principal);
  await ctx.db.transaction().execute(async (trx) => {
    // The row lock orders concurrent changes, so each audit entry's "from" is right.
    await sql`INSERT INTO school_settings (key, value) VALUES (${RETENTION_KEY}, '{"days": null}') ON CONFLICT DO NOTHING`.execute(
      trx,
    );
    await sql`SELECT 1 FROM school_settings WHERE key = ${RETENTION_KEY} FOR UPDATE`.execute(trx);
    const from = await readRetentionDays(trx);
    await trx
      .updateTable("school_settings")
      .set({ value: JSON.stringify({ days }), updated_at: new Date(), updated_by: me.userId })
      .where("key", "=", RETENTION_KEY)
      .execute();
    await recordAudit(trx, principal, {
      action: "retention.changed",
      targetType: "settings",
      targetId: RETENTION_KEY,
      details: { from, to: days },
      ip: meta.ip,
    });
  });
  return readSettings(ctx.db);
}

async function readSettings(db: Db): Promise<RetentionSettingsView> {
  const row = await db
    .selectFrom("school_settings")
    .select(["updated_at", "updated_by"])
    .where("key", "=", RETENTION_KEY)
    .executeTakeFirst();
  const holds = await db
    .selectFrom("conversations")
    .select(["id", "kind", "name"])
    .where("legal_hold", "=", true)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return {
    days: await readRetentionDays(db),
    updatedAt: row ? row.updated_at.toISOString() : null,
    updatedBy: row?.updated_by ?? null,
    legalHolds: holds.map((c) => ({ conversationId: c.id, kind: c.kind as ConversationKind, name: c.name })),
  };
}
