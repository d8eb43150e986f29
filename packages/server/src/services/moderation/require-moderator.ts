import {
  type ConversationFacts,
  canModerate,
  type Membership,
  type Person,
} from "../../domain/policy/index.ts";
import { notFound } from "../../errors.ts";
import type { ServiceContext, UserPrincipal } from "../context.ts";

/**
 * The caller must moderate the conversation (canModerate). Someone who is not in it and does
 * not moderate it is told it does not exist, exactly as for an id that names nothing; a member
 * who does not moderate is refused with the rule.
 */
export async function requireModerator(
  ctx: ServiceContext,
  me: UserPrincipal,
  conversationId: string,
): Promise<{ actor: Person; facts: ConversationFacts; membership: Membership }> {
  const { facts, membership } = await ctx.policy.conversation(conversationId, me.userId);
  const actor = await ctx.policy.person(me.userId);
  const decision = canModerate(ctx.policy.rules, actor, facts, membership);
  if (!decision.allowed && membership.role === "none") throw notFound.conversation();
  ctx.policy.require(decision);
  return { actor, facts, membership };
}
