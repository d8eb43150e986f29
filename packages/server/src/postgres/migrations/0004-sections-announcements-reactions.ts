import { type Kysely, sql } from "kysely";

/**
 * Section groups that follow the directory, announcement channels, support desks and
 * reactions. The conversation columns for audiences and desks came with 0003; this adds
 * reactions, the frozen state of an inactive section's group, and a group for every section
 * that exists already (its active teachers and students), so an upgrade needs no sync first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One row per person, message and emoji: a toggle is an insert or a delete, counts are counts.
    CREATE TABLE reactions (
      conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      emoji text NOT NULL CHECK (octet_length(emoji) BETWEEN 1 AND 32),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (message_id, user_id, emoji)
    );
    CREATE INDEX reactions_by_message_emoji ON reactions (message_id, emoji);

    -- A section the school made inactive: its group keeps history and members, nobody writes.
    ALTER TABLE conversations ADD COLUMN frozen_at timestamptz;
    CREATE INDEX conversations_announcements ON conversations (id) WHERE kind = 'announcement';

    INSERT INTO conversations (kind, name, section_id, section_group_for, frozen_at)
    SELECT 'section', s.name, s.id, 'students', CASE WHEN s.active THEN NULL ELSE now() END FROM sections s
    ON CONFLICT (section_id, section_group_for) WHERE section_id IS NOT NULL DO NOTHING;
    INSERT INTO members (conversation_id, user_id)
    SELECT c.id, sm.user_id FROM conversations c
      JOIN section_members sm ON sm.section_id = c.section_id
      JOIN users u ON u.id = sm.user_id AND u.active
    WHERE c.kind = 'section' AND c.section_group_for = 'students'
    ON CONFLICT DO NOTHING;
  `.execute(db);
}
