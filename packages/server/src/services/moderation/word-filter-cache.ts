import { CompiledWordFilter, type WordFilterEntry } from "../../domain/word-filter.ts";
import type { Db } from "../../postgres/database.ts";

/** How long another process's filter changes may take to reach this one. */
export const WORD_FILTER_TTL_MS = 10_000;

/**
 * The school's word filter, compiled and kept in memory so the send path never queries for it.
 * A change made through this process is applied at once (`reload`); one made through another
 * process within WORD_FILTER_TTL_MS, refreshed in the background while the old list serves.
 */
export class WordFilterCache {
  private compiled: CompiledWordFilter | null = null;
  private loadedAt = 0;
  private generation = 0;
  private first: Promise<CompiledWordFilter> | null = null;
  private refreshing = false;

  constructor(
    private readonly db: Db,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly ttlMs = WORD_FILTER_TTL_MS,
  ) {}

  /** The filter to apply now. */
  async get(): Promise<CompiledWordFilter> {
    if (!this.compiled) {
      this.first ??= this.reload().finally(() => {
        this.first = null;
      });
      return this.first;
    }
    if (!this.refreshing && Date.now() - this.loadedAt >= this.ttlMs) {
      this.refreshing = true;
      this.reload()
        .catch(this.onError)
        .finally(() => {
          this.refreshing = false;
        });
    }
    return this.compiled;
  }

  /** Reads the list again; the latest read wins, so a reload after a change is never overtaken by an older one. */
  async reload(): Promise<CompiledWordFilter> {
    const generation = ++this.generation;
    const rows = await this.db.selectFrom("word_filters").select(["id", "pattern", "action"]).execute();
    const compiled = new CompiledWordFilter(rows satisfies WordFilterEntry[]);
    if (generation === this.generation) {
      this.compiled = compiled;
      this.loadedAt = Date.now();
    }
    return this.compiled ?? compiled;
  }
}
