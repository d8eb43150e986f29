import { type Kysely, sql } from "kysely";

/**
 * Pins and forwards (SPEC C4).
 *
 * - A pinned message carries when and by whom; a conversation's pins are the messages with
 *   `pinned_at`, found through a small partial index.
 * - A forwarded message is a new message of its own conversation that remembers where it came
 *   from (`forwarded_from`: the original message, conversation, sender and time, as JSON),
 *   so it can say "Forwarded from Ms Rivera" without a join.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE messages
      ADD COLUMN pinned_at timestamptz,
      ADD COLUMN pinned_by uuid REFERENCES users (id),
      ADD COLUMN forwarded_from jsonb;
    CREATE INDEX messages_pinned ON messages (conversation_id, pinned_at DESC) WHERE pinned_at IS NOT NULL;
  `.execute(db);
}
