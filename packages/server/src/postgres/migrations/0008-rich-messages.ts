import { type Kysely, sql } from "kysely";

/**
 * Rich messages (SPEC C4, C8): threads, mentions, edits and attachments.
 *
 * - Threads: a reply names its `parent_id` (a top-level message of the same conversation). The
 *   parent keeps `reply_count` and `last_reply_at`, moved by the writer in the reply's own
 *   statement, so a parent read at any time agrees with its replies.
 * - Mentions: the ids a message mentions, resolved at send (and edit) among the members, and
 *   whether it mentions everyone. A member's unread mentions are the messages after their read
 *   position that name them: arithmetic over the log, like unread counts.
 * - Edits: the message holds its current text; `message_edits` keeps every earlier text for
 *   moderators and the audit (never shown to members).
 * - Attachments: uploaded to a conversation by a member, stored by content (`storage_key`, the
 *   SHA-256 of the bytes), then claimed by one message. The message copies what clients show
 *   of them into `attachments` at send, so no reader needs a join; the rows stay the
 *   authority for downloads.
 * - The log: a message.created is read from `messages` itself (by its `(conversation_id, seq)`
 *   key), so `events` keeps only the other changes and a send writes one row, not two.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM events WHERE type = 'message.created';

    ALTER TABLE messages
      ADD COLUMN parent_id uuid REFERENCES messages (id) ON DELETE SET NULL,
      ADD COLUMN reply_count integer NOT NULL DEFAULT 0,
      ADD COLUMN last_reply_at timestamptz,
      ADD COLUMN mentions uuid[] NOT NULL DEFAULT '{}',
      ADD COLUMN mentions_everyone boolean NOT NULL DEFAULT false,
      ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]';
    CREATE INDEX messages_replies ON messages (parent_id, seq) WHERE parent_id IS NOT NULL;

    CREATE TABLE message_edits (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
      editor_id uuid NOT NULL REFERENCES users (id),
      -- The text as it was before this edit.
      previous_body text NOT NULL,
      edited_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX message_edits_by_message ON message_edits (message_id, id);

    CREATE TABLE attachments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      uploader_id uuid NOT NULL REFERENCES users (id),
      -- Set once, when a message takes the attachment; unclaimed ones are cleaned up.
      message_id uuid REFERENCES messages (id) ON DELETE SET NULL,
      storage_key text NOT NULL,
      name text NOT NULL,
      mime text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('file', 'image', 'audio')),
      size bigint NOT NULL CHECK (size > 0),
      width integer,
      height integer,
      duration_ms integer,
      thumbnail_key text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX attachments_by_message ON attachments (message_id) WHERE message_id IS NOT NULL;
    CREATE INDEX attachments_by_uploader ON attachments (uploader_id, created_at);
    CREATE INDEX attachments_unclaimed ON attachments (created_at) WHERE message_id IS NULL;
    CREATE INDEX attachments_by_storage_key ON attachments (storage_key);
  `.execute(db);
}
