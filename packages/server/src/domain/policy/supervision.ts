import { classOf, onlyMay, selects } from "./classify.ts";
import { ALLOWED, type Decision, deny } from "./decision.ts";
import type { ConversationFacts, Person } from "./facts.ts";
import type { PolicyRules } from "./rules.ts";

/** Whether any current member of the conversation is a student. */
export function involvesStudents(rules: PolicyRules, conversation: ConversationFacts): boolean {
  return (
    conversation.memberRoles.some((r) => classOf(rules, r) === "student") ||
    (conversation.peer !== null && classOf(rules, conversation.peer) === "student")
  );
}

/**
 * Whether the conversation is open to supervision, so its participants are shown that it is
 * supervised: it involves a student and the school has supervisors.
 */
export function isSupervised(rules: PolicyRules, conversation: ConversationFacts): boolean {
  return rules.supervision.supervisors.length > 0 && involvesStudents(rules, conversation);
}

/**
 * Whether `actor` may review a conversation they need not be a member of (read its history
 * and search it). Only designated staff, and only conversations that involve students:
 * conversations among adults stay private.
 */
export function canSupervise(rules: PolicyRules, actor: Person, conversation: ConversationFacts): Decision {
  if (!actor.isStaff || !selects(rules, rules.supervision.supervisors, actor))
    return deny(
      "supervision.supervisors",
      onlyMay(rules.supervision.supervisors, "review student conversations"),
    );
  return involvesStudents(rules, conversation)
    ? ALLOWED
    : deny("supervision.scope", "Only conversations that involve students are open to review.");
}
