import type { ConversationSummary } from "@hallway/protocol";
import { sql } from "kysely";
import { DEFAULT_POLICY_RULES, type PolicyRules } from "../domain/policy/index.ts";
import type { Db } from "./database.ts";
import { withLastMessageReactions } from "./reactions.ts";
import { latestMessageJson, type MessageJson, messageFromJson, toUserProfile } from "./rows.ts";

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
  last_message: MessageJson | null;
  mention_count: number;
  peer_id: string | null;
  peer_username: string | null;
  peer_display_name: string | null;
  peer_role: string | null;
  peer_avatar_url: string | null;
  peer_active: boolean | null;
  section_id: string | null;
  section_group_for: "students" | "parents";
  frozen_at: Date | null;
  audience: { roles: string[] | null; sectionIds: string[] | null } | null;
  support_desk: string | null;
  support_status: "open" | "claimed" | "resolved" | null;
  support_requester_id: string | null;
  support_claimed_by: string | null;
  support_resolved_at: Date | null;
  supervised: boolean;
}

/**
 * The conversations a user belongs to, as the conversation list shows them: membership
 * settings, unread count (arithmetic over the read watermark), last message and, for direct
 * conversations, the other person. One query, whatever the number of conversations.
 */
export async function loadConversationSummaries(
  db: Db,
  userId: string,
  filter: {
    conversationId?: string;
    archived?: "true" | "false" | "all";
    /** The school's rules, for `supervised` (default: the default rules). */
    rules?: Pick<PolicyRules, "roles" | "supervision">;
  } = {},
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
      c.section_id, c.section_group_for, c.frozen_at, c.audience, c.support_desk, c.support_status,
      c.support_requester_id, c.support_claimed_by, c.support_resolved_at,
      m.role, m.joined_at, m.last_read_seq, m.last_delivered_seq, m.muted, m.archived, m.pinned,
      (SELECT count(*)::int FROM members mm WHERE mm.conversation_id = c.id AND mm.left_at IS NULL) AS member_count,
      (SELECT count(*)::int FROM (
        SELECT 1 FROM messages x
        WHERE x.conversation_id = c.id AND x.seq > m.last_read_seq AND x.kind <> 'system'
          AND x.deleted_at IS NULL AND x.sender_id IS DISTINCT FROM m.user_id
        LIMIT ${UNREAD_COUNT_CAP}) unread) AS unread_count,
      (SELECT count(*)::int FROM (
        SELECT 1 FROM messages x
        WHERE x.conversation_id = c.id AND x.seq > m.last_read_seq AND x.deleted_at IS NULL
          AND x.sender_id IS DISTINCT FROM m.user_id AND (x.mentions_everyone OR m.user_id = ANY(x.mentions))
        LIMIT ${UNREAD_COUNT_CAP}) mentioned) AS mention_count,
      ${sql.raw(latestMessageJson("conversation_id = c.id"))} AS last_message,
      peer.id AS peer_id, peer.username AS peer_username, peer.display_name AS peer_display_name,
      peer.role AS peer_role, peer.avatar_url AS peer_avatar_url, peer.active AS peer_active,
      ${supervisedColumn(filter.rules ?? DEFAULT_POLICY_RULES)} AS supervised
    FROM members m
    JOIN conversations c ON c.id = m.conversation_id
    LEFT JOIN LATERAL (
      SELECT u.* FROM members p JOIN users u ON u.id = p.user_id
      WHERE c.kind = 'direct' AND p.conversation_id = c.id AND p.user_id <> m.user_id LIMIT 1
    ) peer ON true
    WHERE m.user_id = ${userId} AND m.left_at IS NULL ${byId} ${archived}
    ORDER BY m.pinned DESC, c.updated_at DESC, c.id`.execute(db);
  return withLastMessageReactions(db, userId, rows.map(toSummary));
}

/**
 * `isSupervised` in SQL: the school has supervisors and a current member is a student (a role
 * the rules count as students, not a staff role), the same facts the policy decides on.
 */
function supervisedColumn(rules: Pick<PolicyRules, "roles" | "supervision">) {
  if (rules.supervision.supervisors.length === 0) return sql`false`;
  return sql`EXISTS (
    SELECT 1 FROM members sm JOIN users su ON su.id = sm.user_id JOIN roles sr ON sr.name = su.role
    WHERE sm.conversation_id = c.id AND sm.left_at IS NULL AND NOT sr.is_staff
      AND su.role = ANY(${[...rules.roles.students]}::text[]))`;
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
    mentionCount: r.mention_count,
    lastMessage: r.last_message ? messageFromJson(r.last_message) : null,
    section:
      r.kind === "section" && r.section_id !== null
        ? { id: r.section_id, groupFor: r.section_group_for, frozen: r.frozen_at !== null }
        : null,
    audience:
      r.kind === "announcement" && r.audience
        ? { roles: r.audience.roles ?? null, sectionIds: r.audience.sectionIds ?? null }
        : null,
    support:
      r.kind === "support" && r.support_desk !== null && r.support_status !== null
        ? {
            desk: r.support_desk,
            status: r.support_status,
            requesterId: r.support_requester_id,
            claimedBy: r.support_claimed_by,
            resolvedAt: r.support_resolved_at?.toISOString() ?? null,
          }
        : null,
    supervised: r.supervised,
  };
}
