import type { ConversationSummary } from "@hallway/protocol";
import { canHandleSupport } from "../../domain/policy/index.ts";
import { appendSystemMessage, lockConversation } from "../../postgres/conversation-log.ts";
import { applyMembershipDeltas } from "../../postgres/membership-diff.ts";
import type { ConversationEvent } from "../../realtime/event-publisher.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { getConversation } from "../conversations/get-conversations.ts";

/**
 * A member of the desk's staff claims a support conversation: it is theirs to answer, and the
 * queue shows it as claimed. Claiming one someone else claimed takes it over (the system
 * message says who); claiming it again changes nothing; claiming a resolved one reopens it.
 */
export async function claimSupport(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
): Promise<ConversationSummary> {
  return handleSupport(ctx, principal, conversationId, "claim");
}

/**
 * Marks a support conversation resolved. It keeps its history and members; the person who
 * asked writing again opens it again. Resolving it twice changes nothing.
 */
export async function resolveSupport(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
): Promise<ConversationSummary> {
  return handleSupport(ctx, principal, conversationId, "resolve");
}

async function handleSupport(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  action: "claim" | "resolve",
): Promise<ConversationSummary> {
  const me = requireUser(principal);
  const { facts, membership } = await ctx.policy.conversation(conversationId, me.userId);
  const actor = await ctx.policy.person(me.userId);
  ctx.policy.require(canHandleSupport(ctx.policy.rules, actor, facts, membership));
  const { event, joined } = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, conversationId);
    const row = await trx
      .selectFrom("conversations")
      .select(["support_status", "support_claimed_by"])
      .where("id", "=", conversationId)
      .executeTakeFirstOrThrow();
    // Whoever handles a request is in it (a resolved one may predate their joining the desk).
    const [applied] = await applyMembershipDeltas(trx, [{ conversationId, userId: me.userId, add: true }]);
    const joined = applied?.added ?? [];
    const unchanged =
      action === "claim"
        ? row.support_status === "claimed" && row.support_claimed_by === me.userId
        : row.support_status === "resolved";
    if (unchanged) return { event: null, joined };
    await trx
      .updateTable("conversations")
      .set(
        action === "claim"
          ? { support_status: "claimed", support_claimed_by: me.userId, support_resolved_at: null }
          : { support_status: "resolved", support_resolved_at: new Date() },
      )
      .where("id", "=", conversationId)
      .execute();
    await recordAudit(trx, principal, {
      action: action === "claim" ? "support.claimed" : "support.resolved",
      targetType: "conversation",
      targetId: conversationId,
    });
    const event: ConversationEvent = await appendSystemMessage(trx, conversationId, {
      action: action === "claim" ? "support.claimed" : "support.resolved",
      actorId: me.userId,
      userIds: [],
    });
    return { event, joined };
  });
  if (joined.length > 0)
    ctx.events.membershipChanged({ conversationId, conversationKind: "support", added: joined, removed: [] });
  if (event) ctx.events.publish([event]);
  return getConversation(ctx, principal, conversationId);
}
