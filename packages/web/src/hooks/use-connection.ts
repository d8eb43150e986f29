import type { ConnectionState } from "@hallway/client";
import { useEffect, useSyncExternalStore } from "react";
import { useHallway } from "../session/hallway-context.ts";

/** The SDK's connection state: idle, connecting, open, reconnecting or closed. */
export function useConnectionState(): ConnectionState {
  const { client } = useHallway();
  return useSyncExternalStore(
    (onChange) => {
      const off = client.on("state", onChange);
      return () => {
        off();
      };
    },
    () => client.state,
  );
}

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener("online", onChange);
  window.addEventListener("offline", onChange);
  return () => {
    window.removeEventListener("online", onChange);
    window.removeEventListener("offline", onChange);
  };
}

/** Whether the browser believes it has a network. */
export function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine);
}

/**
 * When the browser says it went offline, stop the connection at once (so sends queue visibly
 * in the outbox instead of vanishing into a dead socket); reconnect as soon as it is back.
 */
export function useReconnectWhenOnline(): void {
  const { client } = useHallway();
  useEffect(() => {
    const offline = () => client.disconnect();
    const online = () => {
      client.connect().catch(() => {});
    };
    window.addEventListener("offline", offline);
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("offline", offline);
      window.removeEventListener("online", online);
    };
  }, [client]);
}
