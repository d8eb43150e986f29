import { describeSelector, selects } from "./classify.ts";
import { ALLOWED, type Decision, type Denied, deny } from "./decision.ts";
import type { ConversationFacts, Membership, Person } from "./facts.ts";
import type { PolicyRules } from "./rules.ts";

/**
 * Whether `actor` may moderate the conversation: remove others' messages, mute and ban
 * members, set slow mode. The school's moderators everywhere; the staff who teach a section
 * in its section groups; staff who run a group in that group.
 */
export function canModerate(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
): Decision {
  if (actor.isStaff) {
    if (selects(rules, rules.moderation.moderators, actor)) return ALLOWED;
    if (
      conversation.kind === "section" &&
      conversation.sectionId !== null &&
      actor.taughtSectionIds.includes(conversation.sectionId)
    )
      return ALLOWED;
    if (conversation.kind === "group" && membership.role === "admin") return ALLOWED;
  }
  return deny(
    "moderation.moderators",
    `Only ${describeSelector([...rules.moderation.moderators, "a section's teachers", "staff who run a group"])} may moderate it.`,
  );
}

/**
 * Whether `actor` may mute or ban `target` in the conversation: the actor moderates it, and the
 * target does not (a moderator is not silenced by another, nor by themself).
 */
export function canSanction(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
  target: Person,
  targetMembership: Membership,
): Decision {
  const moderate = canModerate(rules, actor, conversation, membership);
  if (!moderate.allowed) return moderate;
  if (actor.id === target.id) return deny("moderation.self", "You cannot mute or ban yourself.");
  if (canModerate(rules, target, conversation, targetMembership).allowed)
    return deny(
      "moderation.moderators",
      "People who moderate this conversation cannot be muted or banned in it.",
    );
  return ALLOWED;
}

/**
 * Whether `actor` works the school's moderation queue (reports from members and the word
 * filter, in every conversation): the school's moderators.
 */
export function canReviewReports(rules: PolicyRules, actor: Person): Decision {
  if (actor.isStaff && selects(rules, rules.moderation.moderators, actor)) return ALLOWED;
  return deny(
    "moderation.moderators",
    `Only ${describeSelector(rules.moderation.moderators)} may review reported messages.`,
  );
}

/**
 * Slow mode: whether `actor` may post now, given when they last posted here (epoch ms, null
 * if never). Refusals carry RATE_LIMITED and the seconds left.
 */
export function checkSlowMode(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  lastPostedAt: number | null,
  now: number,
): Decision {
  const seconds = conversation.slowModeSeconds;
  if (!(seconds > 0) || lastPostedAt === null || selects(rules, rules.moderation.slowModeExempt, actor))
    return ALLOWED;
  const waitMs = lastPostedAt + seconds * 1000 - now;
  if (!(waitMs > 0)) return ALLOWED;
  const retryAfterSeconds = Math.ceil(waitMs / 1000);
  const denied: Denied = {
    ...deny(
      "moderation.slowMode",
      `Slow mode is on: you may post again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? "" : "s"}.`,
      "RATE_LIMITED",
    ),
    retryAfterSeconds,
  };
  return Object.freeze(denied);
}

/**
 * Whether `actor` may pin or unpin messages in the conversation: those who moderate it (a
 * section's teachers, a group's staff admins, the school's moderators); in a direct
 * conversation either person while they may write there; in a support conversation the desk's
 * staff. A student or parent does not pin in a group someone else runs.
 */
export function canPin(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
  mayPost: Decision,
): Decision {
  if (membership.role === "none") return deny("pins.members", "Only members pin messages here.");
  if (conversation.kind === "direct" && mayPost.allowed) return ALLOWED;
  if (conversation.kind === "support" && actor.isStaff && mayPost.allowed) return ALLOWED;
  const moderate = canModerate(rules, actor, conversation, membership);
  if (moderate.allowed) return ALLOWED;
  return deny("pins.moderators", "Only those who run this conversation pin messages in it.");
}
