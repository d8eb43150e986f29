import type { WordFilter, WordFilterAction } from "@hallway/protocol";
import { sql } from "kysely";
import { normalizePattern } from "../../domain/word-filter.ts";
import { HallwayError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireAdmin } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

interface FilterRow {
  id: string;
  pattern: string;
  action: WordFilterAction;
  created_by: string | null;
  created_at: Date;
}

function toWordFilter(row: FilterRow): WordFilter {
  return {
    id: row.id,
    pattern: row.pattern,
    action: row.action,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
  };
}

/** The school's word filter, for admins, alphabetically. */
export async function listWordFilters(ctx: ServiceContext, principal: Principal): Promise<WordFilter[]> {
  requireAdmin(principal);
  const rows = await ctx.db.selectFrom("word_filters").selectAll().orderBy("pattern").execute();
  return rows.map(toWordFilter);
}

/**
 * An admin adds a word or phrase, or changes what happens to an existing one (the pattern is
 * compared in its stored form: lower case, single spaces). Applies to every send in this
 * process at once, in others within seconds.
 */
export async function putWordFilter(
  ctx: ServiceContext,
  principal: Principal,
  input: { pattern: string; action: WordFilterAction },
): Promise<{ filter: WordFilter; created: boolean }> {
  const me = requireAdmin(principal);
  const pattern = normalizePattern(input.pattern);
  const result = await ctx.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("word_filters")
      .select("action")
      .where("pattern", "=", pattern)
      .forUpdate()
      .executeTakeFirst();
    const { rows } = await sql<FilterRow>`
      INSERT INTO word_filters (pattern, action, created_by) VALUES (${pattern}, ${input.action}, ${me.userId})
      ON CONFLICT (pattern) DO UPDATE SET action = EXCLUDED.action
      RETURNING id, pattern, action, created_by, created_at`.execute(trx);
    const row = rows[0]!;
    if (before?.action !== input.action)
      await recordAudit(trx, me, {
        action: before ? "word-filter.changed" : "word-filter.added",
        targetType: "word-filter",
        targetId: row.id,
        details: { pattern, action: input.action, ...(before ? { previousAction: before.action } : {}) },
      });
    return { filter: toWordFilter(row), created: !before };
  });
  await ctx.moderation.wordFilters.reload();
  return result;
}

/** An admin takes a word or phrase out of the filter. */
export async function removeWordFilter(
  ctx: ServiceContext,
  principal: Principal,
  filterId: string,
): Promise<void> {
  const known = await ctx.db
    .selectFrom("word_filters")
    .select("id")
    .where("id", "=", filterId)
    .executeTakeFirst();
  // An unknown id answers 404 to anyone, before the admin check (ids are random: nothing leaks).
  if (!known) throw new HallwayError("WORD_FILTER_NOT_FOUND", "No such entry in the school's word filter.");
  const me = requireAdmin(principal);
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .deleteFrom("word_filters")
      .where("id", "=", filterId)
      .returning(["pattern", "action"])
      .executeTakeFirst();
    if (!row) return; // another admin removed it just now
    await recordAudit(trx, me, {
      action: "word-filter.removed",
      targetType: "word-filter",
      targetId: filterId,
      details: { pattern: row.pattern, action: row.action },
    });
  });
  await ctx.moderation.wordFilters.reload();
}
