import { canSupervise, type Person, selects } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext, UserPrincipal } from "../context.ts";

/**
 * The caller must be one of the school's supervisors (by default admins and guidance
 * counsellors; `supervision.supervisors` in the rules). Nobody is when the list is empty:
 * supervision is then off.
 */
export async function requireSupervisor(
  ctx: ServiceContext,
  principal: Principal,
): Promise<{ me: UserPrincipal; person: Person }> {
  const me = requireUser(principal);
  const person = await ctx.policy.person(me.userId);
  const supervisors = ctx.policy.rules.supervision.supervisors;
  if (!person.isStaff || !selects(ctx.policy.rules, supervisors, person))
    throw new HallwayError(
      "FORBIDDEN",
      supervisors.length === 0
        ? "Supervision is switched off at this school."
        : "Only the school's designated supervisors may review student conversations.",
      { rule: "supervision.supervisors" },
    );
  return { me, person };
}

/**
 * The caller may review this conversation without being in it. Someone who may not see it
 * (not a supervisor, or a conversation among adults) is told it does not exist unless they
 * are a member, as everywhere in Hallway; a member who is no supervisor is refused.
 */
export async function requireSupervisable(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
): Promise<UserPrincipal> {
  const me = requireUser(principal);
  const { facts, membership } = await ctx.policy.conversation(conversationId, me.userId);
  const decision = canSupervise(ctx.policy.rules, await ctx.policy.person(me.userId), facts);
  if (decision.allowed) return me;
  if (membership.role === "none") throw notFound.conversation();
  throw new HallwayError(decision.code, decision.reason, { rule: decision.rule });
}
