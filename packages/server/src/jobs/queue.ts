import { sql } from "kysely";
import type { Db } from "../postgres/database.ts";

/** The PostgreSQL schema graphile-worker keeps its queue in. */
export const JOBS_SCHEMA = "graphile_worker";

export interface JobSpec {
  /** Not before this time (default: now). */
  runAt?: Date;
  /** At most one queued job per key: adding again replaces the queued one. */
  jobKey?: string;
  /** Jobs in the same queue run one after another. */
  queueName?: string;
  /** Attempts before the job is given up (default 25, with exponential backoff). */
  maxAttempts?: number;
}

/**
 * Queues a job, inside the caller's transaction when given one: the job exists exactly when
 * the change that asked for it commits, so a crash between the two loses nothing and sends
 * nothing twice. Any server whose worker runs (JOBS_ENABLED) picks it up. Returns the job id.
 */
export async function addJob(
  db: Db,
  task: string,
  payload: object = {},
  spec: JobSpec = {},
): Promise<string> {
  const { rows } = await sql<{ id: string | number }>`
    SELECT (${sql.id(JOBS_SCHEMA)}.add_job(
      ${task},
      ${JSON.stringify(payload)}::json,
      queue_name => ${spec.queueName ?? null}::text,
      run_at => ${spec.runAt ?? null}::timestamptz,
      max_attempts => ${spec.maxAttempts ?? null}::int,
      job_key => ${spec.jobKey ?? null}::text
    )).id`.execute(db);
  return String(rows[0]!.id);
}
