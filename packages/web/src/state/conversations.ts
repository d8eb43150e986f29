import type { ConversationSummary, Message } from "@hallway/protocol";
import { changeMessage, type MessageChange } from "./message-log.ts";

export type ConversationAction =
  | { type: "reset"; conversations: ConversationSummary[] }
  | { type: "upsert"; conversation: ConversationSummary }
  | { type: "message"; message: Message }
  | { type: "unread"; conversationId: string; unreadCount: number; mentionCount: number }
  | { type: "remove"; conversationId: string }
  /** An edit or deletion: the last message's preview follows it. */
  | { type: "change"; change: Extract<MessageChange, { type: "edited" | "deleted" }> };

/** When a conversation last saw activity: its last message, or its creation. */
export function activityAt(conversation: ConversationSummary): string {
  return conversation.lastMessage?.createdAt ?? conversation.createdAt;
}

/** Pinned first, then the most recently active. */
export function sortConversations(list: ConversationSummary[]): ConversationSummary[] {
  return [...list].sort((a, b) => {
    if (a.me.pinned !== b.me.pinned) return a.me.pinned ? -1 : 1;
    return activityAt(b).localeCompare(activityAt(a));
  });
}

/** The conversation list, kept from the resume reply and the events that follow it. */
export function conversationsReducer(
  state: ConversationSummary[],
  action: ConversationAction,
): ConversationSummary[] {
  switch (action.type) {
    case "reset":
      return sortConversations(action.conversations.filter((c) => !c.me.archived));
    case "upsert": {
      const known = state.find((c) => c.id === action.conversation.id);
      let incoming = action.conversation;
      if (known && (known.lastMessage?.seq ?? 0) > (incoming.lastMessage?.seq ?? 0))
        incoming = { ...incoming, lastSeq: known.lastSeq, lastMessage: known.lastMessage }; // an event beat the fetch
      return sortConversations([...state.filter((c) => c.id !== incoming.id), incoming]);
    }
    case "message": {
      const { message } = action;
      const conversation = state.find((c) => c.id === message.conversationId);
      if (!conversation || (conversation.lastMessage?.seq ?? 0) >= message.seq) return state;
      const updated = {
        ...conversation,
        lastSeq: Math.max(conversation.lastSeq, message.seq),
        lastMessage: message,
      };
      return sortConversations(state.map((c) => (c.id === updated.id ? updated : c)));
    }
    case "unread": {
      const conversation = state.find((c) => c.id === action.conversationId);
      const { unreadCount, mentionCount } = action;
      if (
        !conversation ||
        (conversation.unreadCount === unreadCount && conversation.mentionCount === mentionCount)
      )
        return state;
      return state.map((c) => (c.id === action.conversationId ? { ...c, unreadCount, mentionCount } : c));
    }
    case "remove":
      return state.filter((c) => c.id !== action.conversationId);
    case "change": {
      const { event } = action.change;
      return state.map((c) =>
        c.id === event.conversationId && c.lastMessage?.id === event.messageId
          ? { ...c, lastMessage: changeMessage(c.lastMessage, action.change) }
          : c,
      );
    }
  }
}
