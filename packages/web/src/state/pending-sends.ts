import { newClientId } from "@hallway/client";
import type { Attachment } from "@hallway/protocol";
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { useHallway } from "../session/hallway-context.ts";

/** A message I sent that the server has not acknowledged (or refused). */
export interface PendingSend {
  clientId: string;
  conversationId: string;
  text: string;
  /** Uploaded files going with it (already on the server, waiting for the message). */
  attachments: Attachment[];
  /** A reply in this thread. */
  parentId?: string;
  createdAt: string;
  /** `pending` waits in the SDK's outbox (offline or in flight); `failed` was refused. */
  status: "pending" | "sent" | "failed";
  error?: string;
  /** When the server acknowledged it (its own copy arrives with the message event). */
  sentAt?: number;
}

/** How long an acknowledged send is kept for a chat that has not seen its stored copy yet. */
const KEEP_SENT_MS = 10_000;

/** What a message carries besides its text. */
export interface SendExtras {
  attachments?: Attachment[];
  parentId?: string;
}

export interface PendingSends {
  pending: PendingSend[];
  send(conversationId: string, text: string, extras?: SendExtras): void;
  retry(clientId: string): void;
  discard(clientId: string): void;
}

/**
 * My sends as the chat shows them before the server's copy arrives. The SDK's outbox does the
 * work (it retries with the same client id, so each lands once); this only mirrors it on screen.
 * A sent one stays until the chat sees the stored message with its client id, so nothing flickers.
 */
export function usePendingSendsState(): PendingSends {
  const { client, me } = useHallway();
  const storageKey = outboxKey(me.id);
  const [pending, setPending] = useState<PendingSend[]>(() => loadOutbox(storageKey));

  const update = useCallback((clientId: string, change: Partial<PendingSend>) => {
    setPending((list) => list.map((p) => (p.clientId === clientId ? { ...p, ...change } : p)));
  }, []);

  const deliver = useCallback(
    (item: PendingSend) => {
      client
        .send(item.conversationId, item.text, {
          clientId: item.clientId,
          attachmentIds: item.attachments.map((a) => a.id),
          parentId: item.parentId,
        })
        .then(
          () => update(item.clientId, { status: "sent", sentAt: Date.now() }),
          (error: Error) => update(item.clientId, { status: "failed", error: error.message }),
        );
    },
    [client, update],
  );

  // Unsent messages survive a reload: they are kept in storage and sent again on start, with
  // the same client ids, so one that did land meanwhile is not stored twice.
  useEffect(() => {
    const unsent = pending.filter((p) => p.status !== "sent");
    if (unsent.length > 0) localStorage.setItem(storageKey, JSON.stringify(unsent));
    else localStorage.removeItem(storageKey);
  }, [pending, storageKey]);
  const [restored] = useState(pending);
  useEffect(() => {
    for (const item of restored) if (item.status === "pending") deliver(item);
  }, [restored, deliver]);

  const send = useCallback(
    (conversationId: string, text: string, extras: SendExtras = {}) => {
      const item: PendingSend = {
        clientId: newClientId(),
        conversationId,
        text,
        attachments: extras.attachments ?? [],
        parentId: extras.parentId,
        createdAt: new Date().toISOString(),
        status: "pending",
      };
      const now = Date.now();
      setPending((list) => [
        ...list.filter((p) => p.status !== "sent" || now - p.sentAt! < KEEP_SENT_MS),
        item,
      ]);
      deliver(item);
    },
    [deliver],
  );

  const retry = useCallback(
    (clientId: string) => {
      const item = pending.find((p) => p.clientId === clientId);
      if (!item) return;
      update(clientId, { status: "pending", error: undefined });
      deliver(item);
    },
    [pending, deliver, update],
  );

  const discard = useCallback((clientId: string) => {
    setPending((list) => list.filter((p) => p.clientId !== clientId));
  }, []);

  return useMemo(() => ({ pending, send, retry, discard }), [pending, send, retry, discard]);
}

/** Where a user's unsent messages wait across reloads. */
export function outboxKey(userId: string): string {
  return `hallway.outbox.${userId}`;
}

function loadOutbox(key: string): PendingSend[] {
  try {
    const saved = JSON.parse(localStorage.getItem(key) ?? "[]") as PendingSend[];
    return Array.isArray(saved)
      ? saved
          .filter((p) => typeof p?.clientId === "string" && p.status !== "sent")
          .map((p) => ({ ...p, attachments: Array.isArray(p.attachments) ? p.attachments : [] }))
      : [];
  } catch {
    return [];
  }
}

export const PendingSendsContext = createContext<PendingSends | null>(null);

export function usePendingSends(): PendingSends {
  const value = useContext(PendingSendsContext);
  if (!value) throw new Error("usePendingSends() outside its provider");
  return value;
}
