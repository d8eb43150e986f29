import { canSanction, type Membership } from "../../domain/policy/index.ts";
import { notFound } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireModerator } from "./require-moderator.ts";

/**
 * A moderator mutes a member for `minutes`: they still read, but every post, reply and reaction
 * is refused with "A moderator has muted you in this conversation." Nothing is announced to
 * the others. Muting again sets a new end.
 */
export async function muteMember(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  userId: string,
  minutes: number,
): Promise<{ userId: string; mutedUntil: string | null }> {
  const me = requireUser(principal);
  const { actor, facts, membership } = await requireModerator(ctx, me, conversationId);
  const targetMembership = await currentMembership(ctx, conversationId, userId);
  const target = await ctx.policy.person(userId);
  ctx.policy.require(canSanction(ctx.policy.rules, actor, facts, membership, target, targetMembership));
  const mutedUntil = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("members")
      .set({ muted_until: new Date(Date.now() + minutes * 60_000) })
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .where("left_at", "is", null)
      .returning("muted_until")
      .executeTakeFirst();
    if (!row) throw notFound.member();
    await recordAudit(trx, me, {
      action: "member.muted",
      targetType: "user",
      targetId: userId,
      details: { conversationId, minutes, until: row.muted_until!.toISOString() },
    });
    return row.muted_until!;
  });
  ctx.policy.forgetConversation(conversationId, [userId]);
  return { userId, mutedUntil: mutedUntil.toISOString() };
}

/** A moderator lifts a mute before it ends. Unmuting someone who is not muted changes nothing. */
export async function unmuteMember(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  userId: string,
): Promise<{ userId: string; mutedUntil: null }> {
  const me = requireUser(principal);
  await requireModerator(ctx, me, conversationId);
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("members")
      .select("muted_until")
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .where("left_at", "is", null)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound.member();
    if (row.muted_until === null) return;
    await trx
      .updateTable("members")
      .set({ muted_until: null })
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .execute();
    await recordAudit(trx, me, {
      action: "member.unmuted",
      targetType: "user",
      targetId: userId,
      details: { conversationId },
    });
  });
  ctx.policy.forgetConversation(conversationId, [userId]);
  return { userId, mutedUntil: null };
}

/** The target's membership as the policy sees it; someone who is not in the conversation is MEMBER_NOT_FOUND. */
async function currentMembership(
  ctx: ServiceContext,
  conversationId: string,
  userId: string,
): Promise<Membership> {
  const row = await ctx.db
    .selectFrom("members")
    .select(["role", "muted_until"])
    .where("conversation_id", "=", conversationId)
    .where("user_id", "=", userId)
    .where("left_at", "is", null)
    .executeTakeFirst();
  if (!row) throw notFound.member();
  return { role: row.role, muted: row.muted_until !== null && row.muted_until.getTime() > Date.now() };
}
