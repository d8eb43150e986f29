import { type Kysely, sql } from "kysely";

/**
 * The school directory, accounts, conversations and the per-conversation ordered log.
 * Forward-only: a later change is a new migration, never an edit here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE EXTENSION IF NOT EXISTS pg_trgm;

    CREATE TABLE roles (
      name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{1,31}$'),
      label text NOT NULL,
      is_staff boolean NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO roles (name, label, is_staff) VALUES
      ('admin', 'Administrator', true),
      ('principal', 'Principal', true),
      ('coordinator', 'Academic coordinator', true),
      ('teacher', 'Teacher', true),
      ('student', 'Student', false),
      ('parent', 'Parent', false),
      ('guidance', 'Guidance counsellor', true),
      ('registrar', 'Registrar', true),
      ('accounting', 'Accounting', true);

    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      external_id text UNIQUE,
      username text NOT NULL,
      email text,
      display_name text NOT NULL,
      avatar_url text,
      role text NOT NULL REFERENCES roles (name),
      active boolean NOT NULL DEFAULT true,
      password_hash text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz
    );
    CREATE UNIQUE INDEX users_username_key ON users (lower(username));
    CREATE INDEX users_display_name_trgm ON users USING gin (lower(display_name) gin_trgm_ops);

    -- Opaque tokens: only SHA-256 hashes are kept, so a database leak yields no usable token.
    CREATE TABLE sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      access_token_hash bytea NOT NULL UNIQUE,
      access_expires_at timestamptz NOT NULL,
      refresh_token_hash bytea NOT NULL UNIQUE,
      refresh_expires_at timestamptz NOT NULL,
      method text NOT NULL CHECK (method IN ('password', 'trusted')),
      user_agent text,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE INDEX sessions_live_by_user ON sessions (user_id) WHERE revoked_at IS NULL;

    CREATE TABLE sections (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      external_id text NOT NULL UNIQUE,
      name text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE section_members (
      section_id uuid NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('teacher', 'student')),
      PRIMARY KEY (section_id, user_id)
    );
    CREATE INDEX section_members_by_user ON section_members (user_id);

    CREATE TABLE guardian_links (
      parent_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      student_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      PRIMARY KEY (parent_id, student_id),
      CHECK (parent_id <> student_id)
    );
    CREATE INDEX guardian_links_by_student ON guardian_links (student_id);

    CREATE TABLE conversations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind text NOT NULL CHECK (kind IN ('direct', 'group', 'section', 'primary', 'support', 'announcement')),
      name text,
      created_by uuid REFERENCES users (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      -- The last sequence number handed out; taken under this row's lock, so commit order is
      -- sequence order.
      last_seq bigint NOT NULL DEFAULT 0,
      -- "<lower user id>:<higher user id>": at most one direct conversation per pair.
      direct_key text UNIQUE,
      section_id uuid UNIQUE REFERENCES sections (id),
      metadata jsonb NOT NULL DEFAULT '{}',
      CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
    );
    CREATE UNIQUE INDEX conversations_one_primary ON conversations ((true)) WHERE kind = 'primary';
    INSERT INTO conversations (kind, name) VALUES ('primary', 'Everyone');

    CREATE TABLE members (
      conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      role text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
      joined_at timestamptz NOT NULL DEFAULT now(),
      left_at timestamptz,
      -- Watermarks: receipts and unread counts are arithmetic over sequence numbers, so this
      -- table grows with members, never with messages x members.
      last_read_seq bigint NOT NULL DEFAULT 0,
      last_delivered_seq bigint NOT NULL DEFAULT 0,
      muted boolean NOT NULL DEFAULT false,
      archived boolean NOT NULL DEFAULT false,
      pinned boolean NOT NULL DEFAULT false,
      PRIMARY KEY (conversation_id, user_id)
    );
    CREATE INDEX members_current_by_user ON members (user_id) WHERE left_at IS NULL;

    CREATE TABLE messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      seq bigint NOT NULL,
      sender_id uuid REFERENCES users (id),
      kind text NOT NULL CHECK (kind IN ('text', 'system')),
      body text NOT NULL DEFAULT '',
      system jsonb,
      client_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      edited_at timestamptz,
      deleted_at timestamptz,
      UNIQUE (conversation_id, seq)
    );
    -- The idempotency keys of sends: a retried client id finds the message it already made.
    CREATE UNIQUE INDEX messages_idempotency_key ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;

    -- The conversation's ordered log: every change a member may see, by sequence number.
    -- message.created rows point at the message instead of copying it.
    CREATE TABLE events (
      conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      seq bigint NOT NULL,
      type text NOT NULL,
      message_id uuid REFERENCES messages (id) ON DELETE CASCADE,
      actor_id uuid REFERENCES users (id),
      payload jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (conversation_id, seq)
    );
  `.execute(db);
}
