import { type Kysely, sql } from "kysely";

/**
 * `attachments.copied`: the row is a forward's copy over bytes already stored (a new reference,
 * no new upload). The uploader's daily quota counts what people upload, so copies are left out
 * of it: forwarding a worksheet to five classes costs nothing of the day's allowance. Adding a
 * column with a constant default rewrites nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE attachments ADD COLUMN copied boolean NOT NULL DEFAULT false`.execute(db);
}
