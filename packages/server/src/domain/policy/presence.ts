import type { ConversationKind } from "@hallway/protocol";
import { ALLOWED, type Decision, deny } from "./decision.ts";
import type { MemberFacts } from "./facts.ts";

/**
 * Kinds of conversation whose members see one another's presence (ADR 0003). The school-wide
 * group and announcement channels do not count: sharing them would make the whole school one
 * another's audience.
 */
export const PRESENCE_SHARING_KINDS: readonly ConversationKind[] = Object.freeze([
  "direct",
  "group",
  "section",
  "support",
]);

/**
 * Whether `viewer` may see `subject`'s presence, given the kinds of the conversations they
 * share. Since who shares a conversation follows the messaging policy, so does presence.
 */
export function canViewPresence(
  viewer: MemberFacts,
  subject: MemberFacts,
  sharedKinds: readonly ConversationKind[],
): Decision {
  if (viewer.id === subject.id || sharedKinds.some((kind) => PRESENCE_SHARING_KINDS.includes(kind)))
    return ALLOWED;
  return deny("presence.shared", "You see the presence of people you share a conversation with.");
}
