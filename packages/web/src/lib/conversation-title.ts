import type { ConversationSummary } from "@hallway/protocol";

/** A direct conversation is called after the other person; the others have names. */
export function conversationTitle(conversation: ConversationSummary): string {
  if (conversation.kind === "direct") return conversation.peer?.displayName ?? "Direct message";
  return conversation.name ?? "Conversation";
}

const KIND_LABELS: Record<string, string> = {
  group: "Group",
  section: "Class",
  primary: "Whole school",
  support: "Support",
  announcement: "Announcements",
};

export function kindLabel(conversation: ConversationSummary): string | null {
  return KIND_LABELS[conversation.kind] ?? null;
}
