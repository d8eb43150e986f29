import { useEffect } from "react";
import { useHallway } from "../session/hallway-context.ts";
import { useConnectionState } from "./use-connection.ts";
import { usePageVisible } from "./use-page-visible.ts";

/**
 * Marks the open conversation read while it is on screen: when it opens, when a message from
 * someone else arrives, and when the tab becomes visible again.
 */
export function useMarkRead(conversationId: string, unreadCount: number, latestSeq: number): void {
  const { client } = useHallway();
  const visible = usePageVisible();
  const state = useConnectionState();
  useEffect(() => {
    if (!visible || state !== "open" || unreadCount === 0) return;
    const seq = Math.max(latestSeq, client.position(conversationId) ?? 0);
    client.markRead(conversationId, seq).catch(() => {});
  }, [client, conversationId, unreadCount, latestSeq, visible, state]);
}
