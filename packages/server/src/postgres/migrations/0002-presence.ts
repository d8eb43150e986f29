import { type Kysely, sql } from "kysely";

/** Custom status and invisible mode live with the user; online state itself is never stored. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE users
      ADD COLUMN status_text text,
      ADD COLUMN status_emoji text,
      ADD COLUMN status_expires_at timestamptz,
      ADD COLUMN invisible boolean NOT NULL DEFAULT false;
  `.execute(db);
}
