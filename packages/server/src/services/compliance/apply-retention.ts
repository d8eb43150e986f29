import { sql } from "kysely";
import { releaseBlobs } from "../../postgres/blob-references.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceContext } from "../context.ts";
import { readRetentionDays } from "./retention-settings.ts";

/** What one retention run did; the same is written to the audit log (`retention.applied`). */
export interface RetentionRun {
  days: number;
  /** Messages and log events created before this were deleted. */
  cutoff: string;
  messagesDeleted: number;
  eventsDeleted: number;
  attachmentsDeleted: number;
  /** Stored files deleted with them (those no other attachment shares). */
  blobsDeleted: number;
  /** Conversations on legal hold, left whole. */
  conversationsOnHold: number;
  /** A shutdown stopped the run between batches; the rest is deleted when it runs again. */
  interrupted: boolean;
}

/**
 * Applies the school's retention rule: messages older than N days are deleted, with their log
 * events and attachments (the rows, and the stored files no other attachment shares), except in
 * conversations on legal hold. It deletes a batch per transaction, so it never holds locks for
 * long and a shutdown can stop it between batches; running it again continues where it
 * stopped. Clients that resume from a position inside the deleted part simply receive what is
 * left (the realtime stream skips the gap). Without a rule it does nothing and returns null;
 * otherwise it writes one audit entry with the counts.
 */
export async function applyRetention(
  ctx: Pick<ServiceContext, "db" | "blobs">,
  options: { batchSize?: number; signal?: AbortSignal; now?: Date } = {},
): Promise<RetentionRun | null> {
  const days = await readRetentionDays(ctx.db);
  if (days === null) return null;
  const batchSize = options.batchSize ?? 1_000;
  const cutoff = new Date((options.now ?? new Date()).getTime() - days * 24 * 3600 * 1000);
  const run: RetentionRun = {
    days,
    cutoff: cutoff.toISOString(),
    messagesDeleted: 0,
    eventsDeleted: 0,
    attachmentsDeleted: 0,
    blobsDeleted: 0,
    conversationsOnHold: 0,
    interrupted: false,
  };

  for (;;) {
    if (options.signal?.aborted) {
      run.interrupted = true;
      break;
    }
    const { rows } = await sql<{ messages: number; attachments: number; keys: string[] }>`
      WITH batch AS (
        SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.created_at < ${cutoff} AND NOT c.legal_hold
        LIMIT ${batchSize}
      ), gone_attachments AS (
        DELETE FROM attachments a USING batch WHERE a.message_id = batch.id
        RETURNING a.storage_key, a.thumbnail_key
      ), gone AS (
        DELETE FROM messages m USING batch WHERE m.id = batch.id RETURNING 1
      )
      SELECT (SELECT count(*) FROM gone)::int AS messages,
        (SELECT count(*) FROM gone_attachments)::int AS attachments,
        ARRAY(
          SELECT DISTINCT k FROM gone_attachments, unnest(ARRAY[storage_key, thumbnail_key]) AS k
          WHERE k IS NOT NULL
        ) AS keys`.execute(ctx.db);
    const batch = rows[0]!;
    run.messagesDeleted += batch.messages;
    run.attachmentsDeleted += batch.attachments;
    // After the rows' commit: a file still shared with a newer attachment stays.
    run.blobsDeleted += await releaseBlobs(ctx.db, ctx.blobs, batch.keys);
    if (batch.messages < batchSize) break;
  }

  // The other log events (deletions, edits…) of the same age.
  while (!run.interrupted) {
    if (options.signal?.aborted) {
      run.interrupted = true;
      break;
    }
    const result = await sql`
      DELETE FROM events WHERE (conversation_id, seq) IN (
        SELECT e.conversation_id, e.seq FROM events e JOIN conversations c ON c.id = e.conversation_id
        WHERE e.created_at < ${cutoff} AND NOT c.legal_hold
        LIMIT ${batchSize})`.execute(ctx.db);
    const count = Number(result.numAffectedRows ?? 0);
    run.eventsDeleted += count;
    if (count < batchSize) break;
  }

  const held = await ctx.db
    .selectFrom("conversations")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("legal_hold", "=", true)
    .executeTakeFirstOrThrow();
  run.conversationsOnHold = Number(held.n);
  await recordAudit(ctx.db, "system", {
    action: "retention.applied",
    targetType: "settings",
    targetId: "retention",
    details: { ...run },
  });
  return run;
}
