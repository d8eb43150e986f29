import { sql } from "kysely";
import { type Repeating, repeatEvery } from "../repeat-every.ts";
import type { Db } from "./database.ts";

/**
 * Keeps the message search index's pending list short, off the send path. A GIN index with
 * fastupdate (the default) takes new entries into a pending list, and the insert that finds
 * the list past gin_pending_list_limit (4 MB) merges all of it into the index itself: at a
 * school's peak (2,000 messages a second) that was one batch of sends every ~7 s held for
 * 15–130 ms while its batch waited. Cleaning the list every `intervalMs` on a connection of the
 * pool does the same work in smaller pieces that no send waits for; searches still see the
 * entries either way. Without the right to it (only the index's owner may clean it) or without
 * the index, it says so once and stops: inserts then clean the list as before.
 */
export function startSearchIndexUpkeep(
  db: Db,
  intervalMs: number,
  onError: (error: unknown) => void,
): Repeating {
  const upkeep = repeatEvery(
    intervalMs,
    () => sql`SELECT gin_clean_pending_list('messages_search'::regclass)`.execute(db),
    (error) => {
      // 42501: not the owner; 42P01: no such index.
      const code = (error as { code?: string }).code;
      if (code === "42501" || code === "42P01") void upkeep.stop();
      onError(error);
    },
  );
  return upkeep;
}
