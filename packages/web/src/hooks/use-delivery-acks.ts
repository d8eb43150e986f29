import { useEffect, useRef } from "react";
import { useHallway } from "../session/hallway-context.ts";
import { useClientEvent } from "./use-client-event.ts";

/** Acks are gathered this long, then sent one conversation at a time. */
const GATHER_MS = 250;
/** Spacing between acks, well inside the gateway's frame rate limit. */
const SPACING_MS = 100;

/**
 * Tells the server this device has received messages (`conversation.delivered`), so senders
 * see a delivered tick: for live messages from others, and after each resume for conversations
 * whose delivered position is behind.
 */
export function useDeliveryAcks(): void {
  const { client, me } = useHallway();
  const waiting = useRef(new Map<string, number>());
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const running = useRef(false);

  const flush = async () => {
    if (running.current) return;
    running.current = true;
    try {
      while (waiting.current.size > 0 && client.state === "open") {
        const [conversationId, seq] = waiting.current.entries().next().value!;
        waiting.current.delete(conversationId);
        await client.request("conversation.delivered", { conversationId, seq }).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
      }
    } finally {
      running.current = false;
    }
  };
  const ack = (conversationId: string, seq: number) => {
    waiting.current.set(conversationId, Math.max(seq, waiting.current.get(conversationId) ?? 0));
    clearTimeout(timer.current);
    timer.current = setTimeout(flush, GATHER_MS);
  };

  useEffect(() => () => clearTimeout(timer.current), []);
  useClientEvent("message.created", (message) => {
    if (message.senderId && message.senderId !== me.id) ack(message.conversationId, message.seq);
  });
  useClientEvent("resumed", (reply) => {
    for (const c of reply.conversations)
      if (c.lastSeq > c.me.lastDeliveredSeq && c.lastMessage && c.lastMessage.senderId !== me.id)
        ack(c.id, c.lastSeq);
  });
}
