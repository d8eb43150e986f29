import type { Message } from "@hallway/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { useHallway } from "../session/hallway-context.ts";
import { changeMessage } from "../state/message-log.ts";
import { useClientEvent } from "./use-client-event.ts";

export interface PinnedMessages {
  /** Most recently pinned first. */
  messages: Message[];
  loaded: boolean;
  error: string | null;
}

interface State extends PinnedMessages {
  conversationId: string;
}

const initial = (conversationId: string): State => ({
  conversationId,
  messages: [],
  loaded: false,
  error: null,
});

/**
 * A conversation's pinned messages: asked for when it opens and after each resume
 * (`pins.list`), then kept live by `pin.updated` — a pin of a message already shown (loaded in
 * `known`, or pinned before) is applied at once; one of a message not at hand asks again. An
 * answer that left before the latest pin change is dropped, and asked again. Edits follow;
 * deleted messages drop out, as on the server.
 */
export function usePins(conversationId: string, known: Message[]): PinnedMessages {
  const { api, client } = useHallway();
  const [state, setState] = useState<State>(() => initial(conversationId));
  const current = state.conversationId === conversationId ? state : initial(conversationId);
  const changes = useRef(0);
  const knownNow = useRef(known);
  knownNow.current = known;

  const update = useCallback(
    (change: (s: State) => Partial<State>) =>
      setState((s) => (s.conversationId === conversationId ? { ...s, ...change(s) } : s)),
    [conversationId],
  );

  const load = useCallback(
    function load() {
      const asked = changes.current;
      api.pins(conversationId).then(
        ({ messages }) => {
          if (changes.current !== asked)
            load(); // a pin changed meanwhile: this answer may miss it
          else update(() => ({ messages, loaded: true, error: null }));
        },
        (error: Error) => update(() => ({ error: error.message })),
      );
    },
    [api, conversationId, update],
  );

  useEffect(() => {
    setState(initial(conversationId));
    load();
  }, [conversationId, load]);
  useClientEvent("resumed", load);

  useClientEvent("pin.updated", (event) => {
    if (event.conversationId !== conversationId) return;
    changes.current++;
    if (!event.pinned) {
      update((s) => ({ messages: s.messages.filter((m) => m.id !== event.messageId) }));
      return;
    }
    const message =
      current.messages.find((m) => m.id === event.messageId) ??
      knownNow.current.find((m) => m.id === event.messageId);
    if (!message) {
      // A resume reloads when it is over.
      if (!client.resuming) load();
      return;
    }
    const pinned = changeMessage(message, { type: "pinned", event });
    update((s) => ({
      messages: [pinned, ...s.messages.filter((m) => m.id !== pinned.id)].sort((a, b) =>
        (b.pinnedAt ?? "").localeCompare(a.pinnedAt ?? ""),
      ),
    }));
  });
  useClientEvent("message.edited", (event) => {
    if (event.conversationId !== conversationId) return;
    update((s) => ({
      messages: s.messages.map((m) =>
        m.id === event.messageId ? changeMessage(m, { type: "edited", event }) : m,
      ),
    }));
  });
  useClientEvent("message.deleted", (event) => {
    if (event.conversationId !== conversationId) return;
    update((s) => ({ messages: s.messages.filter((m) => m.id !== event.messageId) }));
  });

  return { messages: current.messages, loaded: current.loaded, error: current.error };
}
