import { useEffect, useState } from "react";
import { useHallway } from "../session/hallway-context.ts";
import { useClientEvent } from "./use-client-event.ts";
import { useConnectionState } from "./use-connection.ts";

export interface GroupReceipt {
  seq: number;
  readCount: number;
  recipientCount: number;
}

/**
 * "Read by N of M" for my latest message in a group: asked with `receipts.get` when it changes,
 * after a reconnect, and again (debounced) whenever someone's read position moves.
 */
export function useGroupReceipt(conversationId: string, seq: number | undefined): GroupReceipt | null {
  const { client } = useHallway();
  const state = useConnectionState();
  const [receipt, setReceipt] = useState<GroupReceipt | null>(null);
  const [trigger, setTrigger] = useState(0);

  useClientEvent("read.updated", (event) => {
    if (event.conversationId === conversationId && event.userId !== client.userId) setTrigger((n) => n + 1);
  });

  useEffect(() => {
    if (seq === undefined || state !== "open") return;
    const timer = setTimeout(
      () => {
        client.request("receipts.get", { conversationId, seq }).then(
          (reply) =>
            setReceipt({ seq, readCount: reply.readBy.length, recipientCount: reply.recipientCount }),
          () => {},
        );
      },
      trigger === 0 ? 0 : 300,
    );
    return () => clearTimeout(timer);
  }, [client, conversationId, seq, state, trigger]);

  return receipt?.seq === seq ? receipt : null;
}
