import DataLoader from "dataloader";

/**
 * Loads the policy's facts on a cache miss. The misses of one turn of the event loop share one
 * query (at a school's morning peak a thousand people send their first message within a
 * second), and an id already being loaded is not asked for again but waits for that load.
 *
 * What a load finds is handed to `keep` (the caller's cache), unless `forget` named its id
 * while it ran: then its value still answers whoever asked before the change, but is not kept,
 * and the next ask loads again.
 */
export class FactLoader<T> {
  private readonly batches: DataLoader<string, T | undefined>;
  private readonly inFlight = new Map<string, Promise<T | undefined>>();

  constructor(
    loadMany: (ids: string[]) => Promise<Map<string, T>>,
    private readonly keep: (id: string, value: T) => void,
    maxBatch: number,
  ) {
    this.batches = new DataLoader(
      async (ids) => {
        try {
          const found = await loadMany([...ids]);
          return ids.map((id) => found.get(id));
        } catch {
          // One id the database refuses must not fail the others that shared its query.
          return Promise.all(
            ids.map((id) =>
              loadMany([id]).then(
                (found) => found.get(id),
                (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
              ),
            ),
          );
        }
      },
      // Its own cache is off: `inFlight` holds only loads under way, the caller keeps the values.
      { cache: false, maxBatchSize: maxBatch, batchScheduleFn: (run) => setImmediate(run) },
    );
  }

  /** The facts of `id` (undefined: no such id), from a load under way or the next batch. */
  load(id: string): Promise<T | undefined> {
    const under = this.inFlight.get(id);
    if (under) return under;
    const loading: Promise<T | undefined> = this.batches.load(id).then(
      (value) => {
        if (this.settled(id, loading) && value !== undefined) this.keep(id, value);
        return value;
      },
      (error: unknown) => {
        this.settled(id, loading);
        throw error;
      },
    );
    this.inFlight.set(id, loading);
    return loading;
  }

  /** Ends a load; true when it is still the id's load (no `forget` named the id meanwhile). */
  private settled(id: string, loading: Promise<T | undefined>): boolean {
    if (this.inFlight.get(id) !== loading) return false;
    this.inFlight.delete(id);
    return true;
  }

  /** Loads under way for these ids (no ids: all) are stale. */
  forget(ids?: readonly string[]): void {
    if (!ids) this.inFlight.clear();
    else for (const id of ids) this.inFlight.delete(id);
  }
}
