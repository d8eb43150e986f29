import { canSanction, NOT_A_MEMBER } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import { appendSystemMessage, lockConversation } from "../../postgres/conversation-log.ts";
import type { ConversationEvent } from "../../realtime/event-publisher.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { promoteHeirIfNoAdmin } from "../conversations/manage-members.ts";
import { requireModerator } from "./require-moderator.ts";

/** Bans apply where membership is managed by people: groups and section groups. */
const BANNABLE_KINDS = new Set(["group", "section"]);

/**
 * A moderator bans someone from a group or section group: they are removed (a `member.removed`
 * notice, as when an admin removes someone) and cannot be added again or join through an
 * invite until unbanned. A former member can be banned too, so they cannot come back.
 */
export async function banMember(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  userId: string,
): Promise<{ userId: string; banned: true }> {
  const me = requireUser(principal);
  const { actor, facts, membership } = await requireModerator(ctx, me, conversationId);
  if (!BANNABLE_KINDS.has(facts.kind))
    throw new HallwayError(
      "CONVERSATION_KIND_MISMATCH",
      `Nobody is banned from a ${facts.kind} conversation: mute them instead.`,
    );
  const row = await ctx.db
    .selectFrom("members")
    .select(["role", "muted_until", "left_at", "banned_at"])
    .where("conversation_id", "=", conversationId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!row) throw notFound.member();
  const target = await ctx.policy.person(userId);
  const targetMembership =
    row.left_at === null
      ? { role: row.role, muted: row.muted_until !== null && row.muted_until.getTime() > Date.now() }
      : NOT_A_MEMBER;
  ctx.policy.require(canSanction(ctx.policy.rules, actor, facts, membership, target, targetMembership));
  const { events, removed } = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, conversationId);
    const banned = await trx
      .updateTable("members")
      .set((eb) => ({
        banned_at: new Date(),
        left_at: eb.fn.coalesce("left_at", eb.val(new Date())),
        role: "member",
        muted_until: null,
      }))
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .where("banned_at", "is", null)
      .returning("user_id")
      .executeTakeFirst();
    const events: ConversationEvent[] = [];
    if (!banned) return { events, removed: false };
    await recordAudit(trx, me, {
      action: "member.banned",
      targetType: "user",
      targetId: userId,
      details: { conversationId, wasMember: row.left_at === null },
    });
    if (row.left_at !== null) return { events, removed: false };
    events.push(
      await appendSystemMessage(trx, conversationId, {
        action: "member.removed",
        actorId: me.userId,
        userIds: [userId],
      }),
    );
    const heir = facts.kind === "group" ? await promoteHeirIfNoAdmin(trx, conversationId) : null;
    if (heir)
      events.push(
        await appendSystemMessage(trx, conversationId, {
          action: "member.promoted",
          actorId: null,
          userIds: [heir],
        }),
      );
    return { events, removed: true };
  });
  ctx.policy.forgetConversation(conversationId, [userId]);
  if (removed)
    ctx.events.membershipChanged({
      conversationId,
      conversationKind: facts.kind,
      added: [],
      removed: [userId],
    });
  if (events.length > 0) ctx.events.publish(events);
  return { userId, banned: true };
}

/** A moderator lifts a ban. It does not add the person back: a group admin or an invite can. */
export async function unbanMember(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  userId: string,
): Promise<{ userId: string; banned: false }> {
  const me = requireUser(principal);
  await requireModerator(ctx, me, conversationId);
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("members")
      .set({ banned_at: null })
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .where("banned_at", "is not", null)
      .returning("user_id")
      .executeTakeFirst();
    if (!row) {
      const known = await trx
        .selectFrom("members")
        .select("user_id")
        .where("conversation_id", "=", conversationId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      if (!known) throw notFound.member();
      return;
    }
    await recordAudit(trx, me, {
      action: "member.unbanned",
      targetType: "user",
      targetId: userId,
      details: { conversationId },
    });
  });
  ctx.policy.forgetConversation(conversationId, [userId]);
  return { userId, banned: false };
}
