import { type Kysely, sql } from "kysely";

/**
 * What the school's policy and safeguarding need: section groups (students' and parents'),
 * announcement audiences, support desks, moderation state, invites, reports, word filters,
 * school settings, and the append-only audit log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE conversations
      ADD COLUMN section_group_for text NOT NULL DEFAULT 'students' CHECK (section_group_for IN ('students', 'parents')),
      -- announcement: {"roles": [...] | null, "sectionIds": [...] | null}; null roles and sections = everyone
      ADD COLUMN audience jsonb,
      ADD COLUMN support_desk text REFERENCES roles (name),
      ADD COLUMN support_requester_id uuid REFERENCES users (id),
      ADD COLUMN support_status text CHECK (support_status IN ('open', 'claimed', 'resolved')),
      ADD COLUMN support_claimed_by uuid REFERENCES users (id),
      ADD COLUMN support_resolved_at timestamptz,
      ADD COLUMN slow_mode_seconds integer NOT NULL DEFAULT 0 CHECK (slow_mode_seconds BETWEEN 0 AND 86400),
      ADD COLUMN legal_hold boolean NOT NULL DEFAULT false;
    ALTER TABLE conversations DROP CONSTRAINT conversations_section_id_key;
    CREATE UNIQUE INDEX conversations_one_group_per_section ON conversations (section_id, section_group_for) WHERE section_id IS NOT NULL;
    CREATE INDEX conversations_support_queue ON conversations (support_desk, support_status) WHERE kind = 'support';

    ALTER TABLE members
      ADD COLUMN muted_until timestamptz,
      ADD COLUMN banned_at timestamptz,
      ADD COLUMN last_posted_at timestamptz;

    ALTER TABLE messages
      ADD COLUMN removed_by uuid REFERENCES users (id),
      ADD COLUMN flagged boolean NOT NULL DEFAULT false;

    CREATE TABLE invites (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      code text NOT NULL UNIQUE,
      created_by uuid NOT NULL REFERENCES users (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      max_uses integer CHECK (max_uses > 0),
      uses integer NOT NULL DEFAULT 0,
      revoked_at timestamptz
    );
    CREATE INDEX invites_by_expiry ON invites (expires_at);

    CREATE TABLE word_filters (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      pattern text NOT NULL,
      action text NOT NULL CHECK (action IN ('flag', 'mask', 'reject')),
      created_by uuid REFERENCES users (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (pattern)
    );

    CREATE TABLE reports (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
      conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      -- null: raised by the word filter
      reporter_id uuid REFERENCES users (id),
      reason text NOT NULL,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
      created_at timestamptz NOT NULL DEFAULT now(),
      resolved_by uuid REFERENCES users (id),
      resolved_at timestamptz,
      resolution text
    );
    CREATE INDEX reports_open ON reports (created_at) WHERE status = 'open';

    CREATE TABLE school_settings (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      updated_by uuid REFERENCES users (id)
    );

    -- Append-only: the triggers refuse UPDATE, DELETE and TRUNCATE for everyone, the
    -- application's own database user included. Only a migration (DDL) could change that.
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor_id uuid,
      actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'service', 'system')),
      action text NOT NULL,
      target_type text,
      target_id text,
      details jsonb NOT NULL DEFAULT '{}',
      ip text
    );
    CREATE INDEX audit_log_by_time ON audit_log (at DESC);
    CREATE INDEX audit_log_by_actor ON audit_log (actor_id, at DESC);
    CREATE INDEX audit_log_by_action ON audit_log (action, at DESC);
    CREATE INDEX audit_log_by_target ON audit_log (target_type, target_id, at DESC);

    CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$;
    CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
  `.execute(db);
}
