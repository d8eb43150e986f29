import { useCallback, useSyncExternalStore } from "react";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

function openConversationId(): string | null {
  const match = /^#\/c\/([0-9a-f-]{36})$/i.exec(window.location.hash);
  return match?.[1] ?? null;
}

/**
 * The open conversation lives in the URL (`#/c/<id>`), so a reload reopens it and the browser's
 * back button returns to the list on a phone.
 */
export function useOpenConversation(): [string | null, (conversationId: string | null) => void] {
  const conversationId = useSyncExternalStore(subscribe, openConversationId);
  const open = useCallback((next: string | null) => {
    const hash = next ? `#/c/${next}` : "#/";
    if (window.location.hash !== hash) window.location.hash = hash;
  }, []);
  return [conversationId, open];
}

export function conversationHref(conversationId: string): string {
  return `#/c/${conversationId}`;
}
