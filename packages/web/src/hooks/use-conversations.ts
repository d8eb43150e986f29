import type { ConversationSummary } from "@hallway/protocol";
import { useCallback, useReducer, useRef } from "react";
import { useHallway } from "../session/hallway-context.ts";
import { conversationsReducer } from "../state/conversations.ts";
import { useClientEvent } from "./use-client-event.ts";

export interface Conversations {
  conversations: ConversationSummary[];
  /** False until the first resume has answered. */
  loaded: boolean;
  /** Adds or replaces one (after opening a direct conversation or creating a group). */
  upsert(conversation: ConversationSummary): void;
}

/** My conversations: from each resume, then kept current by messages, joins, leaves and unread counts. */
export function useConversations(): Conversations {
  const { client, api, directory, lastResume } = useHallway();
  const [conversations, dispatch] = useReducer(conversationsReducer, undefined, () =>
    conversationsReducer([], { type: "reset", conversations: lastResume()?.conversations ?? [] }),
  );
  const [loaded, setLoaded] = useReducer(() => true, lastResume() !== undefined);
  const current = useRef(conversations);
  current.current = conversations;
  const fetching = useRef(new Set<string>());

  const upsert = useCallback(
    (conversation: ConversationSummary) => {
      directory.add([conversation.peer]);
      const unreadCount = client.unread.get(conversation.id) ?? conversation.unreadCount;
      dispatch({ type: "upsert", conversation: { ...conversation, unreadCount } });
    },
    [client, directory],
  );

  /** Fetches a conversation this list does not have yet (joined, or a message beat the join). */
  const fetchMissing = (conversationId: string) => {
    if (fetching.current.has(conversationId)) return;
    fetching.current.add(conversationId);
    api
      .conversation(conversationId)
      .then(upsert, () => {})
      .finally(() => fetching.current.delete(conversationId));
  };

  useClientEvent("resumed", (reply) => {
    directory.add(reply.conversations.map((c) => c.peer));
    const withUnread = reply.conversations.map((c) => ({
      ...c,
      unreadCount: client.unread.get(c.id) ?? c.unreadCount,
      mentionCount: client.mentions.get(c.id),
    }));
    dispatch({ type: "reset", conversations: withUnread });
    setLoaded();
  });
  useClientEvent("message.created", (message) => {
    if (current.current.some((c) => c.id === message.conversationId)) dispatch({ type: "message", message });
    else fetchMissing(message.conversationId);
  });
  useClientEvent("unread", ({ conversationId, unreadCount, mentionCount }) =>
    dispatch({ type: "unread", conversationId, unreadCount, mentionCount }),
  );
  useClientEvent("message.edited", (event) =>
    dispatch({ type: "change", change: { type: "edited", event } }),
  );
  useClientEvent("message.deleted", (event) =>
    dispatch({ type: "change", change: { type: "deleted", event } }),
  );
  useClientEvent("conversation.joined", ({ conversationId }) => fetchMissing(conversationId));
  useClientEvent("conversation.left", ({ conversationId }) => dispatch({ type: "remove", conversationId }));

  return { conversations, loaded, upsert };
}
