import { type Kysely, sql } from "kysely";

/**
 * Compliance: failed sign-ins have nobody to attribute them to (`anonymous` actors in the
 * audit log); retention finds old messages and log events by time without a full scan; group
 * admins list a group's invites. The job queue's own tables live in the `graphile_worker`
 * schema, which graphile-worker migrates itself when the worker starts. An export finds the audit
 * entries that name a conversation in their details.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_kind_check;
    ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_kind_check
      CHECK (actor_kind IN ('user', 'service', 'system', 'anonymous'));

    -- BRIN: rows arrive in time order, so a block range summary finds old rows for a few KB of
    -- index and costs the batched writer next to nothing.
    CREATE INDEX messages_created_at_brin ON messages USING brin (created_at);
    CREATE INDEX events_created_at_brin ON events USING brin (created_at);

    CREATE INDEX invites_by_conversation ON invites (conversation_id);

    -- An export gathers the audit entries about a conversation, including those that target a
    -- person or a message and name the conversation in their details (mutes, bans, reports).
    CREATE INDEX audit_log_by_conversation_detail ON audit_log ((details->>'conversationId'))
      WHERE details ? 'conversationId';
  `.execute(db);
}
