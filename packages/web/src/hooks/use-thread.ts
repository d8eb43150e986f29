import type { Message } from "@hallway/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { useHallway } from "../session/hallway-context.ts";
import { changeMessage, type MessageChange, mergeMessages } from "../state/message-log.ts";
import { useClientEvent } from "./use-client-event.ts";

export interface Thread {
  parent: Message | null;
  replies: Message[];
  /** More replies exist after the last page loaded. */
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  loadMore(): void;
  replace(message: Message): void;
}

interface State {
  key: string;
  parent: Message | null;
  replies: Message[];
  /** The last reply seq that paging has reached (live replies may be past it). */
  pagedTo: number;
  hasMore: boolean;
  loading: boolean;
  error: string | null;
}

const initial = (key: string): State => ({
  key,
  parent: null,
  replies: [],
  pagedTo: 0,
  hasMore: false,
  loading: true,
  error: null,
});

/**
 * One thread: its top-level message and replies (`thread.fetch`, a page at a time), kept live
 * by the event stream: new replies, edits, deletions, reactions and pins, on the parent as on the replies.
 */
export function useThread(conversationId: string, parentId: string | null): Thread {
  const { api, me, client } = useHallway();
  const key = `${conversationId}/${parentId}`;
  const [state, setState] = useState<State>(() => initial(key));
  const current = state.key === key ? state : initial(key);
  const busy = useRef(false);

  const change = useCallback(
    (update: (s: State) => Partial<State>) => setState((s) => (s.key === key ? { ...s, ...update(s) } : s)),
    [key],
  );

  const load = useCallback(
    (after?: number) => {
      if (!parentId) return;
      busy.current = true;
      change(() => ({ loading: true, error: null }));
      api
        .thread(conversationId, parentId, after)
        .then(
          (page) =>
            change((s) => {
              const replies = mergeMessages(s.replies, page.replies);
              const pagedTo = page.replies.at(-1)?.seq ?? s.pagedTo;
              return { parent: page.parent, replies, pagedTo, hasMore: page.hasMore, loading: false };
            }),
          (error: Error) => change(() => ({ loading: false, error: error.message })),
        )
        .finally(() => {
          busy.current = false;
        });
    },
    [api, conversationId, parentId, change],
  );

  useEffect(() => {
    setState(initial(key));
    load();
  }, [key, load]);

  const loadMore = useCallback(() => {
    if (!busy.current && current.hasMore) load(current.pagedTo);
  }, [load, current.hasMore, current.pagedTo]);

  const apply = (c: MessageChange) =>
    change((s) => ({
      parent:
        s.parent && (c.type === "reply" ? c.reply.parentId : c.event.messageId) === s.parent.id
          ? changeMessage(s.parent, c)
          : s.parent,
      replies:
        c.type === "reply"
          ? s.replies
          : s.replies.map((m) => (m.id === c.event.messageId ? changeMessage(m, c) : m)),
    }));

  useClientEvent("message.created", (message) => {
    if (!parentId || message.conversationId !== conversationId || message.parentId !== parentId) return;
    const replaying = client.resuming;
    change((s) => {
      if (s.replies.some((m) => m.seq === message.seq)) return {};
      // Until the first page is in, it will bring this reply and count it.
      if (!s.parent) return {};
      return {
        replies: mergeMessages(s.replies, [message]),
        parent: changeMessage(s.parent, { type: "reply", reply: message, replaying }),
      };
    });
  });
  useClientEvent("message.edited", (event) => {
    if (event.conversationId === conversationId) apply({ type: "edited", event });
  });
  useClientEvent("message.deleted", (event) => {
    if (event.conversationId === conversationId) apply({ type: "deleted", event });
  });
  useClientEvent("reaction.updated", (event) => {
    if (event.conversationId === conversationId) apply({ type: "reaction", event, myId: me.id });
  });
  useClientEvent("pin.updated", (event) => {
    if (event.conversationId === conversationId) apply({ type: "pinned", event });
  });
  useClientEvent("resumed", () => {
    if (parentId && !current.parent && !busy.current) load();
  });

  const replace = useCallback(
    (message: Message) =>
      change((s) => {
        const take = (m: Message) =>
          m.id === message.id && !m.deleted ? { ...message, reactions: message.reactions ?? m.reactions } : m;
        return { parent: s.parent && take(s.parent), replies: s.replies.map(take) };
      }),
    [change],
  );

  return {
    parent: current.parent,
    replies: current.replies,
    hasMore: current.hasMore,
    loading: current.loading,
    error: current.error,
    loadMore,
    replace,
  };
}
