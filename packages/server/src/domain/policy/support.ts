import { describeSelector, onlyMay, selects } from "./classify.ts";
import { ALLOWED, type Decision, deny, notFound } from "./decision.ts";
import type { ConversationFacts, Membership, Person } from "./facts.ts";
import type { PolicyRules } from "./rules.ts";

/** Whether `actor` may open a support conversation with the staff of role `desk`. */
export function canOpenSupport(rules: PolicyRules, actor: Person, desk: string): Decision {
  if (!rules.support.desks.includes(desk))
    return deny(
      "support.desks",
      rules.support.desks.length === 0
        ? "This school has no support desks."
        : `Support conversations can be opened with ${describeSelector(rules.support.desks)}.`,
    );
  return selects(rules, rules.support.openers, actor)
    ? ALLOWED
    : deny("support.openers", onlyMay(rules.support.openers, "open support conversations"));
}

/** Whether `actor` is on the staff of support desk `desk`: a member of staff with that role. */
export function isDeskStaff(rules: PolicyRules, actor: Person, desk: string | null): boolean {
  return desk !== null && actor.isStaff && actor.role === desk && rules.support.desks.includes(desk);
}

/**
 * Whether `actor` may see the queue of support desk `desk`: its staff, and admins (who see
 * every desk's queue).
 */
export function canViewSupportQueue(rules: PolicyRules, actor: Person, desk: string): Decision {
  if (isDeskStaff(rules, actor, desk) || (actor.isStaff && actor.role === "admin")) return ALLOWED;
  return deny(
    "support.queue",
    rules.support.desks.includes(desk)
      ? `Only ${describeSelector([desk])} and admins see this desk's queue.`
      : `There is no "${desk}" support desk at this school.`,
  );
}

/**
 * Whether `actor` may claim or resolve a support conversation: the staff of its desk. The
 * person who asked, and admins watching the queue, are told who may; anyone else is told the
 * conversation does not exist.
 */
export function canHandleSupport(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
): Decision {
  const desk = conversation.supportDesk;
  if (conversation.kind === "support" && isDeskStaff(rules, actor, desk)) return ALLOWED;
  const seesIt =
    membership.role !== "none" ||
    (conversation.kind === "support" && actor.isStaff && actor.role === "admin");
  if (!seesIt) return notFound();
  if (conversation.kind !== "support")
    return deny(
      "conversation.kind",
      "Only support conversations are claimed and resolved.",
      "CONVERSATION_KIND_MISMATCH",
    );
  return deny(
    "support.handlers",
    `Only ${desk ? describeSelector([desk]) : "the desk's staff"} may claim or resolve this support conversation.`,
  );
}
