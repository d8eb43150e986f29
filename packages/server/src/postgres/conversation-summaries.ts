import type { ConversationSummary } from "@hallway/protocol";
import { sql } from "kysely";
import type { Db } from "./database.ts";
import { toMessage, toUserProfile } from "./rows.ts";

/** Unread counts stop here: a badge says "999+" long before anyone counts further. */
export const UNREAD_COUNT_CAP = 1_000;

interface SummaryRow {
  id: string;
  kind: ConversationSummary["kind"];
  name: string | null;
  created_by: string | null;
  created_at: Date;
  last_seq: number;
  role: "admin" | "member";
  joined_at: Date;
  last_read_seq: number;
  last_delivered_seq: number;
  muted: boolean;
  archived: boolean;
  pinned: boolean;
  member_count: number;
  unread_count: number;
  lm_id: string | null;
  lm_seq: number | null;
  lm_sender_id: string | null;
  lm_kind: string | null;
  lm_body: string | null;
  lm_system: unknown;
  lm_client_id: string | null;
  lm_created_at: Date | null;
  lm_edited_at: Date | null;
  lm_deleted_at: Date | null;
  peer_id: string | null;
  peer_username: string | null;
  peer_display_name: string | null;
  peer_role: string | null;
  peer_avatar_url: string | null;
  peer_active: boolean | null;
}

/**
 * The conversations a user belongs to, as the conversation list shows them: membership
 * settings, unread count (arithmetic over the read watermark), last message and, for direct
 * conversations, the other person. One query, whatever the number of conversations.
 */
export async function loadConversationSummaries(
  db: Db,
  userId: string,
  filter: { conversationId?: string; archived?: "true" | "false" | "all" } = {},
): Promise<ConversationSummary[]> {
  const byId = filter.conversationId ? sql`AND c.id = ${filter.conversationId}` : sql``;
  const archived =
    filter.archived === "true"
      ? sql`AND m.archived`
      : filter.archived === "false"
        ? sql`AND NOT m.archived`
        : sql``;
  const { rows } = await sql<SummaryRow>`
    SELECT c.id, c.kind, c.name, c.created_by, c.created_at, c.last_seq,
      m.role, m.joined_at, m.last_read_seq, m.last_delivered_seq, m.muted, m.archived, m.pinned,
      (SELECT count(*)::int FROM members mm WHERE mm.conversation_id = c.id AND mm.left_at IS NULL) AS member_count,
      (SELECT count(*)::int FROM (
        SELECT 1 FROM messages x
        WHERE x.conversation_id = c.id AND x.seq > m.last_read_seq AND x.kind <> 'system'
          AND x.deleted_at IS NULL AND x.sender_id IS DISTINCT FROM m.user_id
        LIMIT ${UNREAD_COUNT_CAP}) unread) AS unread_count,
      lm.id AS lm_id, lm.seq AS lm_seq, lm.sender_id AS lm_sender_id, lm.kind AS lm_kind, lm.body AS lm_body,
      lm.system AS lm_system, lm.client_id AS lm_client_id, lm.created_at AS lm_created_at,
      lm.edited_at AS lm_edited_at, lm.deleted_at AS lm_deleted_at,
      peer.id AS peer_id, peer.username AS peer_username, peer.display_name AS peer_display_name,
      peer.role AS peer_role, peer.avatar_url AS peer_avatar_url, peer.active AS peer_active
    FROM members m
    JOIN conversations c ON c.id = m.conversation_id
    LEFT JOIN LATERAL (
      SELECT * FROM messages x WHERE x.conversation_id = c.id ORDER BY x.seq DESC LIMIT 1
    ) lm ON true
    LEFT JOIN LATERAL (
      SELECT u.* FROM members p JOIN users u ON u.id = p.user_id
      WHERE c.kind = 'direct' AND p.conversation_id = c.id AND p.user_id <> m.user_id LIMIT 1
    ) peer ON true
    WHERE m.user_id = ${userId} AND m.left_at IS NULL ${byId} ${archived}
    ORDER BY m.pinned DESC, c.updated_at DESC, c.id`.execute(db);
  return rows.map(toSummary);
}

function toSummary(r: SummaryRow): ConversationSummary {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    lastSeq: Number(r.last_seq),
    memberCount: r.member_count,
    peer:
      r.peer_id === null
        ? null
        : toUserProfile({
            id: r.peer_id,
            username: r.peer_username!,
            display_name: r.peer_display_name!,
            role: r.peer_role!,
            avatar_url: r.peer_avatar_url,
            active: r.peer_active!,
          }),
    me: {
      role: r.role,
      joinedAt: r.joined_at.toISOString(),
      lastReadSeq: Number(r.last_read_seq),
      lastDeliveredSeq: Number(r.last_delivered_seq),
      muted: r.muted,
      archived: r.archived,
      pinned: r.pinned,
    },
    unreadCount: r.unread_count,
    lastMessage:
      r.lm_id === null
        ? null
        : toMessage({
            id: r.lm_id,
            conversation_id: r.id,
            seq: Number(r.lm_seq),
            sender_id: r.lm_sender_id,
            kind: r.lm_kind!,
            body: r.lm_body!,
            system: r.lm_system,
            client_id: r.lm_client_id,
            created_at: r.lm_created_at!,
            edited_at: r.lm_edited_at,
            deleted_at: r.lm_deleted_at,
          }),
  };
}
