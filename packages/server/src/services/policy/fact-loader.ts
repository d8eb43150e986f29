import DataLoader from "dataloader";

/** A load's value (undefined: no such id), and whether it still holds: nothing was forgotten meanwhile. */
export interface Loaded<T> {
  value: T | undefined;
  current: boolean;
}

/**
 * Loads the policy's facts on a cache miss. The misses of one turn of the event loop share one
 * query (at a school's morning peak a thousand people send their first message within a
 * second), and an id already being loaded is not asked for again but waits for that load.
 *
 * `forget` during a load marks it stale: its value still answers whoever asked before the
 * change, but must not be kept, and the next ask loads again.
 */
export class FactLoader<T> {
  private readonly batches: DataLoader<string, T | undefined>;
  private readonly inFlight = new Map<string, Promise<Loaded<T>>>();

  constructor(loadMany: (ids: string[]) => Promise<Map<string, T>>, maxBatch: number) {
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

  /** The facts of `id`, from a load under way or the next batch. Rejects when the database fails. */
  load(id: string): Promise<Loaded<T>> {
    const under = this.inFlight.get(id);
    if (under) return under;
    const settled = (): boolean => {
      const current = this.inFlight.get(id) === loading;
      if (current) this.inFlight.delete(id);
      return current;
    };
    const loading: Promise<Loaded<T>> = this.batches.load(id).then(
      (value) => ({ value, current: settled() }),
      (error: unknown) => {
        settled();
        throw error;
      },
    );
    this.inFlight.set(id, loading);
    return loading;
  }

  /** Loads under way for these ids (no ids: all) are stale. */
  forget(ids?: readonly string[]): void {
    if (!ids) this.inFlight.clear();
    else for (const id of ids) this.inFlight.delete(id);
  }
}
