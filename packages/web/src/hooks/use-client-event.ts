import type { ClientEvents } from "@hallway/client";
import { useEffect, useLayoutEffect, useRef } from "react";
import { useHallway } from "../session/hallway-context.ts";

/** Subscribes to an SDK event for the component's lifetime; the latest handler is always called. */
export function useClientEvent<E extends keyof ClientEvents>(
  event: E,
  handler: (data: ClientEvents[E]) => void,
): void {
  const { client } = useHallway();
  const latest = useRef(handler);
  useLayoutEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    const off = client.on(event, (data) => latest.current(data));
    return () => {
      off();
    };
  }, [client, event]);
}
