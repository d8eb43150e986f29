import { sql } from "kysely";
import { UNSENT_UPLOAD_TTL_MS } from "../../domain/files/limits.ts";
import { referencedBlobKeys, releaseBlobs } from "../../postgres/blob-references.ts";
import type { ServiceContext } from "../context.ts";

/** What one clean-up run removed. */
export interface CleanUpRun {
  /** Uploads no message took within a day. */
  unsentRemoved: number;
  /** Blobs no attachment refers to any more (those of the removed uploads included). */
  blobsRemoved: number;
  /** Staged files a crashed upload left. */
  stagingRemoved: number;
  /** A shutdown stopped the run between batches; the rest goes next time. */
  interrupted: boolean;
}

/**
 * Blobs younger than this are left to the next run even when nothing refers to them: an upload
 * in flight may have committed its blob a moment before its row.
 */
const BLOB_GRACE_MS = 3600 * 1000;

/**
 * Removes what uploads leave behind: uploads no message took within a day (and an hour's
 * grace, so a send that checked one just in time still finds it), blobs that no attachment
 * refers to any more (a crash between a blob and its row, rows deleted by other paths), and
 * staged files older than an hour. Batched and safe to run twice or on several servers at once.
 */
export async function cleanUpAttachments(
  ctx: Pick<ServiceContext, "db" | "blobs">,
  options: { signal?: AbortSignal; now?: Date; batchSize?: number } = {},
): Promise<CleanUpRun> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 500;
  const run: CleanUpRun = { unsentRemoved: 0, blobsRemoved: 0, stagingRemoved: 0, interrupted: false };
  const stop = () => {
    run.interrupted = options.signal?.aborted ?? false;
    return run.interrupted;
  };

  const cutoff = new Date(now.getTime() - UNSENT_UPLOAD_TTL_MS - BLOB_GRACE_MS);
  while (!stop()) {
    const { rows } = await sql<{ storage_key: string; thumbnail_key: string | null }>`
      DELETE FROM attachments WHERE id IN (
        SELECT id FROM attachments WHERE message_id IS NULL AND created_at < ${cutoff}
        LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)
      RETURNING storage_key, thumbnail_key`.execute(ctx.db);
    run.unsentRemoved += rows.length;
    const keys = rows.flatMap((r) => (r.thumbnail_key ? [r.storage_key, r.thumbnail_key] : [r.storage_key]));
    run.blobsRemoved += await releaseBlobs(ctx.db, ctx.blobs, keys);
    if (rows.length < batchSize) break;
  }

  const settled = new Date(now.getTime() - BLOB_GRACE_MS);
  let batch: string[] = [];
  const sweep = async () => {
    const referenced = await referencedBlobKeys(ctx.db, batch);
    const orphans = batch.filter((key) => !referenced.has(key));
    batch = [];
    if (orphans.length > 0) run.blobsRemoved += await releaseBlobs(ctx.db, ctx.blobs, orphans);
  };
  if (!run.interrupted) {
    for await (const blob of ctx.blobs.list()) {
      if (blob.writtenAt >= settled) continue;
      batch.push(blob.key);
      if (batch.length >= batchSize) {
        await sweep();
        if (stop()) break;
      }
    }
    if (!run.interrupted) await sweep();
  }

  if (!run.interrupted) run.stagingRemoved = await ctx.blobs.removeStaleStaging(settled);
  return run;
}
