import { sql } from "kysely";
import { canAddMember, type MemberFacts } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import { appendSystemMessage, lockConversation } from "../../postgres/conversation-log.ts";
import type { Db } from "../../postgres/database.ts";
import type { ConversationEvent } from "../../realtime/event-publisher.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireActiveUsers, requireGroup, requireGroupAdmin, requireMembership } from "./membership.ts";

/** A group admin adds people; those already in are left as they are. Returns who joined. */
export async function addMembers(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  userIds: string[],
): Promise<string[]> {
  const me = requireUser(principal);
  await requireGroupAdmin(ctx.db, conversationId, me.userId);
  const wanted = [...new Set(userIds)];
  await requireActiveUsers(ctx.db, wanted);
  await requireMayAdd(ctx, me.userId, conversationId, wanted);
  const { added, event } = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, conversationId);
    // A newcomer's read position starts at the current end: what was said before they joined
    // is history they may read, not unread messages.
    const rows = await sql<{ user_id: string }>`
      INSERT INTO members (conversation_id, user_id, last_read_seq, last_delivered_seq)
      SELECT ${conversationId}, t.id, c.last_seq, c.last_seq
      FROM unnest(${wanted}::uuid[]) AS t(id) JOIN conversations c ON c.id = ${conversationId}
      ON CONFLICT (conversation_id, user_id) DO UPDATE SET left_at = NULL, joined_at = now(), role = 'member',
          last_read_seq = GREATEST(members.last_read_seq, EXCLUDED.last_read_seq),
          last_delivered_seq = GREATEST(members.last_delivered_seq, EXCLUDED.last_delivered_seq)
        WHERE members.left_at IS NOT NULL
      RETURNING user_id`.execute(trx);
    const added = rows.rows.map((r) => r.user_id);
    const event =
      added.length > 0
        ? await appendSystemMessage(trx, conversationId, {
            action: "member.added",
            actorId: me.userId,
            userIds: added,
          })
        : null;
    if (added.length > 0) await auditMembership(trx, principal, conversationId, "member.added", added);
    return { added, event };
  });
  publish(ctx, conversationId, added, [], event);
  return added;
}

/** A group admin removes a member (removing yourself is leaving). */
export async function removeMember(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  userId: string,
): Promise<void> {
  const me = requireUser(principal);
  if (userId === me.userId) return leaveConversation(ctx, principal, conversationId);
  await requireGroupAdmin(ctx.db, conversationId, me.userId);
  const event = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, conversationId);
    const gone = await markLeft(trx, conversationId, userId);
    if (!gone) throw notFound.member();
    await auditMembership(trx, principal, conversationId, "member.removed", [userId]);
    return appendSystemMessage(trx, conversationId, {
      action: "member.removed",
      actorId: me.userId,
      userIds: [userId],
    });
  });
  publish(ctx, conversationId, [], [userId], event);
}

/**
 * The caller leaves a group. When the last admin leaves, the longest-standing member becomes
 * admin, so a group is never left without one.
 */
export async function leaveConversation(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
): Promise<void> {
  const me = requireUser(principal);
  requireGroup(await requireMembership(ctx.db, conversationId, me.userId));
  const events = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, conversationId);
    const left = await markLeft(trx, conversationId, me.userId);
    if (!left) throw notFound.conversation();
    const events = [
      await appendSystemMessage(trx, conversationId, {
        action: "member.left",
        actorId: me.userId,
        userIds: [me.userId],
      }),
    ];
    const heir = await promoteHeirIfNoAdmin(trx, conversationId);
    await auditMembership(trx, principal, conversationId, "member.left", [me.userId], heir ? { heir } : {});
    if (heir)
      events.push(
        await appendSystemMessage(trx, conversationId, {
          action: "member.promoted",
          actorId: null,
          userIds: [heir],
        }),
      );
    return events;
  });
  ctx.events.membershipChanged({
    conversationId,
    conversationKind: "group",
    added: [],
    removed: [me.userId],
  });
  ctx.events.publish(events);
}

/** A group admin promotes a member to admin or demotes an admin; the last admin cannot be demoted. */
export async function setMemberRole(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  userId: string,
  role: "admin" | "member",
): Promise<void> {
  const me = requireUser(principal);
  await requireGroupAdmin(ctx.db, conversationId, me.userId);
  const event = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, conversationId);
    const target = await trx
      .selectFrom("members")
      .select("role")
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .where("left_at", "is", null)
      .executeTakeFirst();
    if (!target) throw notFound.member();
    if (target.role === role) return null;
    if (role === "member") {
      const admins = await trx
        .selectFrom("members")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("conversation_id", "=", conversationId)
        .where("role", "=", "admin")
        .where("left_at", "is", null)
        .executeTakeFirstOrThrow();
      if (Number(admins.n) <= 1)
        throw new HallwayError(
          "LAST_ADMIN",
          "The group's last admin cannot be demoted; promote someone first.",
        );
    }
    await trx
      .updateTable("members")
      .set({ role })
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .execute();
    await auditMembership(
      trx,
      principal,
      conversationId,
      role === "admin" ? "member.promoted" : "member.demoted",
      [userId],
    );
    return appendSystemMessage(trx, conversationId, {
      action: role === "admin" ? "member.promoted" : "member.demoted",
      actorId: me.userId,
      userIds: [userId],
    });
  });
  // Who is an admin decides who may add people and whose invites still work.
  if (event) ctx.policy.forgetConversation(conversationId);
  if (event) ctx.events.publish([event]);
}

/** Membership changes are in the audit log, with the conversation as their target. */
function auditMembership(
  trx: Db,
  principal: Principal,
  conversationId: string,
  action: string,
  userIds: string[],
  details: Record<string, unknown> = {},
): Promise<void> {
  return recordAudit(trx, principal, {
    action,
    targetType: "conversation",
    targetId: conversationId,
    details: { userIds, ...details },
  });
}

/** Each new member must be one the actor may bring in, and who may be with everyone already there. */
async function requireMayAdd(
  ctx: ServiceContext,
  actorId: string,
  conversationId: string,
  userIds: string[],
): Promise<void> {
  const { facts, membership } = await ctx.policy.conversation(conversationId, actorId);
  const people = await ctx.policy.persons([actorId, ...userIds]);
  const members: MemberFacts[] = (await ctx.policy.memberFacts(conversationId)).filter(
    (m) => m.id !== actorId,
  );
  for (const userId of userIds) {
    if (members.some((m) => m.id === userId)) continue;
    const target = people.get(userId)!;
    ctx.policy.require(
      canAddMember(ctx.policy.rules, people.get(actorId)!, facts, membership, target, members),
      { actorId, action: "member.add", targetType: "user", targetId: userId },
    );
    members.push(target);
  }
}

async function markLeft(trx: Db, conversationId: string, userId: string): Promise<boolean> {
  const result = await trx
    .updateTable("members")
    .set({ left_at: new Date(), role: "member" })
    .where("conversation_id", "=", conversationId)
    .where("user_id", "=", userId)
    .where("left_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** When a group has no admin left, its longest-standing member becomes one; returns who. */
export async function promoteHeirIfNoAdmin(trx: Db, conversationId: string): Promise<string | null> {
  const { rows } = await sql<{ user_id: string }>`
    UPDATE members SET role = 'admin'
    WHERE conversation_id = ${conversationId} AND user_id = (
      SELECT user_id FROM members WHERE conversation_id = ${conversationId} AND left_at IS NULL
      ORDER BY joined_at, user_id LIMIT 1)
    AND NOT EXISTS (SELECT 1 FROM members WHERE conversation_id = ${conversationId} AND left_at IS NULL AND role = 'admin')
    RETURNING user_id`.execute(trx);
  return rows[0]?.user_id ?? null;
}

function publish(
  ctx: ServiceContext,
  conversationId: string,
  added: string[],
  removed: string[],
  event: ConversationEvent | null,
): void {
  if (added.length + removed.length > 0)
    ctx.events.membershipChanged({ conversationId, conversationKind: "group", added, removed });
  if (event) ctx.events.publish([event]);
}
