import type { Config } from "../../config.ts";
import { SendRateLimiter } from "../../domain/send-rate-limit.ts";
import type { Db } from "../../postgres/database.ts";
import { WordFilterCache } from "./word-filter-cache.ts";

/** What moderation keeps in memory for the send path: the word filter and the per-user send limit. */
export interface ModerationState {
  wordFilters: WordFilterCache;
  /** MESSAGE_RATE_LIMIT sends per MESSAGE_RATE_WINDOW_SECONDS per user, REST and WebSocket together. */
  sendLimit: SendRateLimiter;
}

export function createModerationState(
  db: Db,
  config: Config,
  onError?: (error: unknown) => void,
): ModerationState {
  return {
    wordFilters: new WordFilterCache(db, onError),
    sendLimit: new SendRateLimiter(config.MESSAGE_RATE_LIMIT, config.MESSAGE_RATE_WINDOW_SECONDS * 1000),
  };
}
