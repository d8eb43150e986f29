import { sql } from "kysely";
import type { BlobStore } from "../storage/blob-store.ts";
import type { Db } from "./database.ts";

/**
 * Blobs are shared by content: two uploads of the same bytes are one blob, and a thumbnail is a
 * blob too. A blob may be deleted only when no attachment row refers to it (as its file or its
 * thumbnail), and "nothing refers to it, delete" must not interleave with "a new row refers to
 * it now". Both take a transaction-scoped advisory lock per key: an upload holds it from
 * committing the blob to committing its row, a release from its check to the deletion.
 */
export async function lockBlobKeys(trx: Db, keys: readonly string[]): Promise<void> {
  // In one order, so two transactions that lock several keys never wait on each other in a circle.
  for (const key of [...new Set(keys)].sort())
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`hallway.blob:${key}`}, 0))`.execute(trx);
}

/** The keys among `keys` that some attachment row refers to, as its file or as its thumbnail. */
export async function referencedBlobKeys(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await sql<{ key: string }>`
    SELECT storage_key AS key FROM attachments WHERE storage_key = ANY(${[...keys]}::text[])
    UNION
    SELECT thumbnail_key FROM attachments WHERE thumbnail_key = ANY(${[...keys]}::text[])`.execute(db);
  return new Set(rows.map((r) => r.key));
}

/**
 * Deletes the blobs among `keys` that no attachment refers to any more, each under its lock.
 * Called after rows are deleted (retention, unsent uploads) and after a failed upload, whose
 * blob may have been committed before its row failed. Returns how many blobs it deleted.
 */
export async function releaseBlobs(db: Db, blobs: BlobStore, keys: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const key of new Set(keys)) {
    const gone = await db.transaction().execute(async (trx) => {
      await lockBlobKeys(trx, [key]);
      if ((await referencedBlobKeys(trx, [key])).size > 0) return false;
      const existed = (await blobs.size(key)) !== null;
      await blobs.delete(key);
      return existed;
    });
    if (gone) deleted++;
  }
  return deleted;
}
