import { type Kysely, sql } from "kysely";

/**
 * Attachment blobs (SPEC C8): a blob is deleted when no attachment row refers to it, as its
 * file (`attachments_by_storage_key`, 0008) or as its thumbnail (this index), so retention and
 * the clean-up job ask both without reading the whole table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX attachments_by_thumbnail_key ON attachments (thumbnail_key) WHERE thumbnail_key IS NOT NULL;
  `.execute(db);
}
