import type { Message } from "@hallway/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { useHallway } from "../session/hallway-context.ts";
import { applyChange, type MessageChange, mergeMessages } from "../state/message-log.ts";
import { useClientEvent } from "./use-client-event.ts";

export interface MessageHistory {
  /** Every message loaded, thread replies included (the timeline shows the top-level ones). */
  messages: Message[];
  /** Whether older messages exist before the first one loaded. */
  hasOlder: boolean;
  loading: boolean;
  error: string | null;
  loadOlder(): void;
  /** Takes a newer copy of a message (the reply to an edit), before its event arrives. */
  replace(message: Message): void;
}

interface State {
  conversationId: string;
  messages: Message[];
  hasOlder: boolean;
  loaded: boolean;
  loading: boolean;
  error: string | null;
}

const initial = (conversationId: string): State => ({
  conversationId,
  messages: [],
  hasOlder: false,
  loaded: false,
  loading: true,
  error: null,
});

/**
 * One conversation's messages: the newest page first, older pages on demand (REST with
 * `before`), and live messages from the event stream merged in sequence order. After a
 * reconnect the SDK replays what was missed, so nothing is refetched unless loading had failed.
 */
export function useMessages(conversationId: string): MessageHistory {
  const { api, me, client } = useHallway();
  const [state, setState] = useState<State>(() => initial(conversationId));
  const current = state.conversationId === conversationId ? state : initial(conversationId);
  const busy = useRef(false);

  const change = useCallback(
    (update: (s: State) => Partial<State>) =>
      setState((s) => (s.conversationId === conversationId ? { ...s, ...update(s) } : s)),
    [conversationId],
  );

  const loadNewest = useCallback(() => {
    busy.current = true;
    change(() => ({ loading: true, error: null }));
    api
      .history(conversationId)
      .then(
        (page) =>
          change((s) => ({
            messages: mergeMessages(s.messages, page.messages),
            hasOlder: page.hasMore,
            loaded: true,
            loading: false,
          })),
        (error: Error) => change(() => ({ loading: false, error: error.message })),
      )
      .finally(() => {
        busy.current = false;
      });
  }, [api, conversationId, change]);

  useEffect(() => {
    setState(initial(conversationId));
    loadNewest();
  }, [conversationId, loadNewest]);

  const loadOlder = useCallback(() => {
    const first = current.messages[0];
    if (busy.current || !current.hasOlder || !first) return;
    busy.current = true;
    change(() => ({ loading: true, error: null }));
    api
      .history(conversationId, first.seq)
      .then(
        (page) =>
          change((s) => ({
            messages: mergeMessages(s.messages, page.messages),
            hasOlder: page.hasMore,
            loading: false,
          })),
        (error: Error) => change(() => ({ loading: false, error: error.message })),
      )
      .finally(() => {
        busy.current = false;
      });
  }, [api, conversationId, current.messages, current.hasOlder, change]);

  useClientEvent("message.created", (message) => {
    if (message.conversationId !== conversationId) return;
    const replaying = client.resuming;
    change((s) => {
      const known = s.messages.some((m) => m.seq === message.seq);
      let messages = mergeMessages(s.messages, [message]);
      // A new reply counts on its parent, unless the parent's copy counts it already.
      if (message.parentId && !known)
        messages = applyChange(messages, { type: "reply", reply: message, replaying });
      return { messages };
    });
  });
  // Edits, deletions, reactions and pins change messages already loaded (one not loaded comes with its page).
  const changed = (update: Exclude<MessageChange, { type: "reply" }>) => {
    if (update.event.conversationId !== conversationId) return;
    change((s) => ({ messages: applyChange(s.messages, update) }));
  };
  useClientEvent("message.edited", (event) => changed({ type: "edited", event }));
  useClientEvent("message.deleted", (event) => changed({ type: "deleted", event }));
  useClientEvent("reaction.updated", (event) => changed({ type: "reaction", event, myId: me.id }));
  useClientEvent("pin.updated", (event) => changed({ type: "pinned", event }));
  useClientEvent("resumed", () => {
    if (!current.loaded && !busy.current) loadNewest();
  });

  const replace = useCallback(
    (message: Message) =>
      change((s) => ({
        messages: s.messages.map((m) =>
          m.id === message.id && !m.deleted ? { ...message, reactions: message.reactions ?? m.reactions } : m,
        ),
      })),
    [change],
  );

  return {
    replace,
    messages: current.messages,
    hasOlder: current.hasOlder,
    loading: current.loading,
    error: current.error,
    loadOlder,
  };
}
