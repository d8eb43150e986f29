import type { UserProfile } from "@hallway/protocol";
import { useEffect, useSyncExternalStore } from "react";
import { useHallway } from "../session/hallway-context.ts";

/** Looks up people by id, re-rendering when their profiles arrive. */
export function usePeople(userIds: readonly string[]): (userId: string) => UserProfile | undefined {
  const { directory } = useHallway();
  useSyncExternalStore(directory.subscribe, () => directory.version);
  const key = userIds.join(",");
  useEffect(() => {
    if (key) directory.request(key.split(","));
  }, [directory, key]);
  return (userId) => directory.peek(userId);
}
