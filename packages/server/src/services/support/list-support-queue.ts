import type { SupportStatus, SupportTicket } from "@hallway/protocol";
import { sql } from "kysely";
import { canViewSupportQueue } from "../../domain/policy/index.ts";
import { HallwayError } from "../../errors.ts";
import { latestMessageJson, type MessageJson, messageFromJson, toUserProfile } from "../../postgres/rows.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

interface TicketRow {
  id: string;
  support_desk: string;
  support_status: SupportStatus;
  created_at: Date;
  updated_at: Date;
  support_resolved_at: Date | null;
  requester: ProfileJson | null;
  claimer: ProfileJson | null;
  last_message: MessageJson | null;
}

interface ProfileJson {
  id: string;
  username: string;
  display_name: string;
  role: string;
  avatar_url: string | null;
  active: boolean;
}

/**
 * A desk's queue: its support conversations, oldest first, by status (open and claimed unless
 * asked otherwise). For the desk's staff, and admins, who may look at every desk at once.
 */
export async function listSupportQueue(
  ctx: ServiceContext,
  principal: Principal,
  query: { desk?: string; status?: SupportStatus; limit: number; cursor?: string },
): Promise<{ tickets: SupportTicket[]; nextCursor: string | null }> {
  const me = requireUser(principal);
  const actor = await ctx.policy.person(me.userId);
  const rules = ctx.policy.rules;
  const admin = actor.isStaff && actor.role === "admin";
  // Without a desk named: every desk for admins, one's own for the desk's staff.
  const desk = query.desk ?? (admin ? null : actor.role);
  if (desk !== null) ctx.policy.require(canViewSupportQueue(rules, actor, desk));
  const statuses: SupportStatus[] = query.status ? [query.status] : ["open", "claimed"];
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const { rows } = await sql<TicketRow>`
    SELECT c.id, c.support_desk, c.support_status, c.created_at, c.updated_at, c.support_resolved_at,
      (SELECT row_to_json(r) FROM (SELECT id, username, display_name, role, avatar_url, active
         FROM users WHERE id = c.support_requester_id) r) AS requester,
      (SELECT row_to_json(r) FROM (SELECT id, username, display_name, role, avatar_url, active
         FROM users WHERE id = c.support_claimed_by) r) AS claimer,
      ${sql.raw(latestMessageJson("conversation_id = c.id AND kind <> 'system'"))} AS last_message
    FROM conversations c
    WHERE c.kind = 'support' AND c.support_status = ANY(${statuses}::text[])
      ${desk !== null ? sql`AND c.support_desk = ${desk}` : sql``}
      ${after ? sql`AND (c.created_at, c.id) > (SELECT created_at, id FROM conversations WHERE id = ${after}::uuid)` : sql``}
    ORDER BY c.created_at, c.id
    LIMIT ${query.limit + 1}`.execute(ctx.db);
  const more = rows.length > query.limit;
  const tickets = rows.slice(0, query.limit).map(
    (r): SupportTicket => ({
      conversationId: r.id,
      desk: r.support_desk,
      status: r.support_status,
      requester: r.requester ? toUserProfile(r.requester) : null,
      claimedBy: r.claimer ? toUserProfile(r.claimer) : null,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      resolvedAt: r.support_resolved_at?.toISOString() ?? null,
      lastMessage: r.last_message ? messageFromJson(r.last_message) : null,
    }),
  );
  return { tickets, nextCursor: more ? encodeCursor(tickets.at(-1)!.conversationId) : null };
}

function encodeCursor(id: string): string {
  return Buffer.from(id).toString("base64url");
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
    throw new HallwayError("VALIDATION_FAILED", "The cursor is not one this server gave out.");
  return id;
}
