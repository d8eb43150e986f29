import { type Kysely, sql } from "kysely";

/**
 * Moderation: one open report per reporter and message (reporting twice is idempotent), and
 * the indexes the moderation queue and resolving by message need.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE UNIQUE INDEX reports_one_open_per_reporter ON reports (message_id, reporter_id)
      WHERE status = 'open' AND reporter_id IS NOT NULL;
    CREATE INDEX reports_open_by_message ON reports (message_id) WHERE status = 'open';
    CREATE INDEX reports_by_status ON reports (status, created_at DESC);
  `.execute(db);
}
