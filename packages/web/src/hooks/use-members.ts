import type { Message } from "@hallway/protocol";
import { useCallback, useEffect, useState } from "react";
import type { MemberInfo } from "../session/api.ts";
import { useHallway } from "../session/hallway-context.ts";
import { useClientEvent } from "./use-client-event.ts";

/**
 * The members of a conversation with their read and delivered positions: fetched when the
 * conversation opens (and after a reconnect or a membership change), then moved forward by
 * `read.updated` and `delivered.updated`. Receipts are arithmetic over these positions.
 */
export function useMembers(conversationId: string): MemberInfo[] {
  const { api, directory } = useHallway();
  const [members, setMembers] = useState<MemberInfo[]>([]);

  const load = useCallback(() => {
    api.members(conversationId).then(
      (list) => {
        directory.add(list.map((m) => m.user));
        setMembers(list);
      },
      () => {},
    );
  }, [api, directory, conversationId]);

  useEffect(load, [load]);
  useClientEvent("resumed", load);
  useClientEvent("message.created", (message: Message) => {
    if (message.conversationId === conversationId && message.kind === "system") load();
  });
  useClientEvent("read.updated", ({ conversationId: id, userId, lastReadSeq }) => {
    if (id !== conversationId) return;
    setMembers((list) =>
      list.map((m) =>
        m.user.id === userId
          ? {
              ...m,
              lastReadSeq: Math.max(m.lastReadSeq, lastReadSeq),
              lastDeliveredSeq: Math.max(m.lastDeliveredSeq, lastReadSeq),
            }
          : m,
      ),
    );
  });
  useClientEvent("delivered.updated", ({ conversationId: id, userId, lastDeliveredSeq }) => {
    if (id !== conversationId) return;
    setMembers((list) =>
      list.map((m) =>
        m.user.id === userId ? { ...m, lastDeliveredSeq: Math.max(m.lastDeliveredSeq, lastDeliveredSeq) } : m,
      ),
    );
  });
  return members;
}
