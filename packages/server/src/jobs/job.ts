import type { ServiceContext } from "../services/context.ts";

/** Where a running job writes what it did (the server's logger, scoped to the job). */
export interface JobLog {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

/** What a task gets when it runs. */
export interface JobRun {
  ctx: ServiceContext;
  /** The job's payload as it was queued (cron jobs carry `_cron`). */
  payload: unknown;
  /** Aborted when the server shuts down: stop between batches and throw, so the job runs again. */
  signal: AbortSignal;
  log: JobLog;
}

/**
 * A durable background task. Jobs live in PostgreSQL (graphile-worker's `graphile_worker`
 * schema), so a job queued before a restart runs after it; a task that throws is retried with
 * exponential backoff. Tasks must therefore be safe to run twice.
 */
export interface JobDefinition {
  /** The task identifier in the queue, `area.what_it_does`. */
  name: string;
  /** When it runs on its own: a crontab line in UTC (`30 2 * * *`: daily at 02:30), or none. */
  schedule?: string;
  /**
   * How far back a missed scheduled run is made up when the worker starts, in milliseconds
   * (a daily job whose hour passed while no server ran still runs that day).
   */
  backfillMs?: number;
  run(job: JobRun): Promise<void>;
}
