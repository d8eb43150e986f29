import type { UserProfile } from "@hallway/protocol";
import { useEffect, useState } from "react";
import { useHallway } from "../session/hallway-context.ts";

const DEBOUNCE_MS = 200;

/** People search (GET /api/v1/users?q=) as the query is typed; me left out. */
export function useUserSearch(query: string): { users: UserProfile[]; searching: boolean } {
  const { api, me, directory } = useHallway();
  const [result, setResult] = useState<{ query: string; users: UserProfile[] }>({ query: "", users: [] });
  const term = query.trim();

  useEffect(() => {
    if (!term) return;
    let current = true;
    const timer = setTimeout(() => {
      api.searchUsers(term).then(
        (users) => {
          if (!current) return;
          directory.add(users);
          setResult({ query: term, users: users.filter((u) => u.id !== me.id) });
        },
        () => {
          if (current) setResult({ query: term, users: [] });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, me.id, directory, term]);

  if (!term) return { users: [], searching: false };
  return { users: result.users, searching: result.query !== term };
}
