import type { Message } from "@hallway/protocol";
import { canPost, checkSlowMode } from "../../domain/policy/index.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

/**
 * Sends a text message through the batched writer, after the policy agrees (who may post
 * here, moderation mutes, slow mode). Idempotent by the client id: a retry returns the first
 * result with `duplicate: true`. Resolves after commit.
 */
export async function sendMessage(
  ctx: ServiceContext,
  principal: Principal,
  input: { conversationId: string; clientId: string; text: string },
): Promise<{ message: Message; duplicate: boolean }> {
  const me = requireUser(principal);
  const { facts, membership } = await ctx.policy.conversation(input.conversationId, me.userId);
  const actor = await ctx.policy.person(me.userId);
  ctx.policy.require(canPost(ctx.policy.rules, actor, facts, membership));
  if (facts.slowModeSeconds > 0) {
    const last = ctx.policy.lastPostedAt(input.conversationId, me.userId);
    ctx.policy.require(checkSlowMode(ctx.policy.rules, actor, facts, last, Date.now()));
  }
  const outcome = await ctx.writer.send({ ...input, senderId: me.userId });
  if (!outcome.ok) throw outcome.error;
  if (!outcome.duplicate)
    ctx.policy.posted(input.conversationId, me.userId, Date.parse(outcome.message.createdAt));
  return { message: outcome.message, duplicate: outcome.duplicate };
}
