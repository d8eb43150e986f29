import { sql } from "kysely";
import type { Db } from "../../postgres/database.ts";

/**
 * Deletes invites whose time is up (revoked and used-up ones go with them once expired), a
 * batch at a time so a large backlog never holds locks for long. Returns how many went.
 */
export async function removeExpiredInvites(
  db: Db,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 1_000;
  let removed = 0;
  while (!options.signal?.aborted) {
    const result = await sql`
      DELETE FROM invites WHERE id IN (
        SELECT id FROM invites WHERE expires_at <= now() ORDER BY expires_at LIMIT ${batchSize}
      )`.execute(db);
    const count = Number(result.numAffectedRows ?? 0);
    removed += count;
    if (count < batchSize) break;
  }
  return removed;
}
