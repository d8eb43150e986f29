import type { Presence } from "@hallway/protocol";
import { useEffect, useState, useSyncExternalStore } from "react";
import { useHallway } from "../session/hallway-context.ts";
import { useClientEvent } from "./use-client-event.ts";

/** The protocol's limit on one `presence.subscribe`. */
const MAX_FOLLOWED = 500;

/**
 * Follows the presence of the people on screen (direct partners and the open conversation's
 * members), replacing the previous set; the SDK renews it after every reconnect.
 */
export function useFollowPresence(userIds: readonly string[]): void {
  const { client, me } = useHallway();
  const key = [...new Set(userIds)]
    .filter((id) => id !== me.id)
    .sort()
    .slice(0, MAX_FOLLOWED)
    .join(",");
  useEffect(() => {
    client.followPresence(key ? key.split(",") : []).catch(() => {});
  }, [client, key]);
}

/** Someone's presence as last reported (my own included), or undefined when not known. */
export function usePresence(userId: string | undefined): Presence | undefined {
  const { client } = useHallway();
  return useSyncExternalStore(
    (onChange) => {
      const off = client.on("presence", (presence) => {
        if (presence.userId === userId) onChange();
      });
      return () => {
        off();
      };
    },
    () => (userId ? client.presence.get(userId) : undefined),
  );
}

/** The presence of everyone followed (for "3 online" in a group header); re-renders on each change. */
export function usePresenceMap(): ReadonlyMap<string, Presence> {
  const { client } = useHallway();
  const [, setVersion] = useState(0);
  useClientEvent("presence", () => setVersion((v) => v + 1));
  return client.presence;
}
