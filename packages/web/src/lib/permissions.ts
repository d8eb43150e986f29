import type { ConversationSummary } from "@hallway/protocol";

/** Roles that moderate every conversation by default (docs/policy.md, `moderation.moderators`). */
const MODERATORS = ["admin", "principal", "guidance"];
/** The default staff roles. */
const STAFF = ["admin", "principal", "coordinator", "teacher", "guidance", "registrar", "accounting"];

/**
 * Whether to offer removing other people's messages here. Only a hint for which buttons to
 * show, from the default policy: the server decides, and its refusal is shown as it says.
 */
export function mayModerate(myRole: string, conversation: ConversationSummary): boolean {
  if (MODERATORS.includes(myRole)) return true;
  if (!STAFF.includes(myRole)) return false;
  if (conversation.kind === "section") return myRole === "teacher";
  return conversation.kind === "group" && conversation.me.role === "admin";
}

/**
 * Whether to offer pinning here (docs/messages.md): those who run the conversation (as for
 * moderating), either person in a direct conversation, and the desk's staff in a support one.
 * A hint from the default policy: the server decides, and its refusal is shown.
 */
export function mayPin(myRole: string, conversation: ConversationSummary): boolean {
  if (conversation.kind === "direct") return true;
  if (conversation.kind === "support") return STAFF.includes(myRole);
  return mayModerate(myRole, conversation);
}

/** Whether to offer `@everyone` in the suggestions (staff, by default); the server decides. */
export function mayMentionEveryone(myRole: string, conversation: ConversationSummary): boolean {
  return STAFF.includes(myRole) && conversation.kind !== "direct";
}
