import { useCallback, useEffect, useRef, useState } from "react";
import { useHallway } from "../session/hallway-context.ts";
import { useClientEvent } from "./use-client-event.ts";

/** Who is typing in a conversation now: shown from `typing.started` until it stops or expires. */
export function useTypingUsers(conversationId: string): string[] {
  const [typing, setTyping] = useState<string[]>([]);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const stop = useCallback((userId: string) => {
    clearTimeout(timers.current.get(userId));
    timers.current.delete(userId);
    setTyping((list) => (list.includes(userId) ? list.filter((id) => id !== userId) : list));
  }, []);

  useEffect(() => {
    const running = timers.current;
    return () => {
      for (const timer of running.values()) clearTimeout(timer);
      running.clear();
    };
  }, []);

  useClientEvent("typing.started", ({ conversationId: id, userId, expiresInMs }) => {
    if (id !== conversationId) return;
    clearTimeout(timers.current.get(userId));
    timers.current.set(
      userId,
      setTimeout(() => stop(userId), expiresInMs),
    );
    setTyping((list) => (list.includes(userId) ? list : [...list, userId]));
  });
  useClientEvent("typing.stopped", ({ conversationId: id, userId }) => {
    if (id === conversationId) stop(userId);
  });
  useClientEvent("message.created", (message) => {
    if (message.conversationId === conversationId && message.senderId) stop(message.senderId);
  });
  return typing;
}

/** Repeat `typing.start` this often while typing (the indicator expires 5 s after the last one). */
const TYPING_REPEAT_MS = 3_000;

/** Tells the others that I am typing: throttled starts while the draft changes, a stop when it empties. */
export function useTypingNotifier(conversationId: string): { typed(text: string): void; sent(): void } {
  const { client } = useHallway();
  const lastStart = useRef(0);

  const stop = useCallback(() => {
    if (lastStart.current === 0) return;
    lastStart.current = 0;
    if (client.state === "open") client.request("typing.stop", { conversationId }).catch(() => {});
  }, [client, conversationId]);

  useEffect(() => stop, [stop]);

  const typed = useCallback(
    (text: string) => {
      if (text.trim() === "") return stop();
      const now = Date.now();
      if (client.state !== "open" || now - lastStart.current < TYPING_REPEAT_MS) return;
      lastStart.current = now;
      client.request("typing.start", { conversationId }).catch(() => {});
    },
    [client, conversationId, stop],
  );

  // Sending stops the indicator on the server already.
  const sent = useCallback(() => {
    lastStart.current = 0;
  }, []);
  return { typed, sent };
}
