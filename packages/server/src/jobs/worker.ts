import { randomUUID } from "node:crypto";
import {
  type CronItem,
  type Job,
  Logger,
  parseCronItems,
  type Runner,
  run,
  runMigrations,
  type TaskList,
} from "graphile-worker";
import type { ServiceContext } from "../services/context.ts";
import type { JobDefinition } from "./job.ts";
import { JOBS_SCHEMA } from "./queue.ts";

/** The slice of the server's (pino) logger the worker writes to. */
export interface WorkerLogger {
  error(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  info(details: Record<string, unknown>, message: string): void;
  debug(details: Record<string, unknown>, message: string): void;
}

export interface JobWorkerOptions {
  ctx: ServiceContext;
  databaseUrl: string;
  jobs: readonly JobDefinition[];
  log: WorkerLogger;
  /** Jobs run at once in this process. */
  concurrency?: number;
  /** How long a shutdown waits for a running job before asking it to abort. */
  abortAfterMs?: number;
}

/** The job worker inside a Hallway process. */
export interface JobWorker {
  /**
   * Queues a task to run now and resolves when this worker has run it (rejects with its error
   * if it fails); the queue records the completion a moment later. For tests and operators;
   * scheduled runs need nothing of the sort.
   */
  runNow(task: string, payload?: Record<string, unknown>): Promise<void>;
  /** Stops taking jobs, lets the running ones finish, and closes the worker's connections. */
  stop(): Promise<void>;
}

/** Makes the job queue's tables exist (graphile-worker migrates its own schema; safe to repeat). */
export async function migrateJobQueue(databaseUrl: string, log: WorkerLogger): Promise<void> {
  await runMigrations({
    connectionString: databaseUrl,
    schema: JOBS_SCHEMA,
    logger: bridgeLogger(log),
    noHandleSignals: true,
  });
}

/**
 * Starts graphile-worker on the server's database with Hallway's tasks and their schedules.
 * It migrates its own schema first, listens for new jobs (LISTEN/NOTIFY, with polling as a
 * fallback) and schedules the crontab. Several processes may run workers on one database:
 * each job runs once, each scheduled tick is queued once.
 */
export async function startJobWorker(options: JobWorkerOptions): Promise<JobWorker> {
  const { ctx, jobs, log } = options;
  const concurrency = options.concurrency ?? 2;
  const taskList: TaskList = {};
  for (const definition of jobs) {
    taskList[definition.name] = async (payload, helpers) => {
      const scoped = {
        info: (details: Record<string, unknown>, message: string) =>
          log.info({ job: definition.name, jobId: helpers.job.id, ...details }, message),
        warn: (details: Record<string, unknown>, message: string) =>
          log.warn({ job: definition.name, jobId: helpers.job.id, ...details }, message),
      };
      await definition.run({ ctx, payload, signal: helpers.abortSignal, log: scoped });
    };
  }
  const cron: CronItem[] = jobs
    .filter((job) => job.schedule)
    .map((job) => ({
      task: job.name,
      identifier: job.name,
      match: job.schedule!,
      // One queued copy at a time, and runs of one task one after another.
      options: { backfillPeriod: job.backfillMs ?? 0, jobKey: job.name, queueName: job.name },
    }));

  const runner: Runner = await run({
    connectionString: options.databaseUrl,
    schema: JOBS_SCHEMA,
    // Its own small pool: the LISTEN connection and job bookkeeping never wait behind requests.
    maxPoolSize: concurrency + 2,
    concurrency,
    noHandleSignals: true,
    logger: bridgeLogger(log),
    taskList,
    parsedCronItems: parseCronItems(cron),
    preset: { worker: { gracefulShutdownAbortTimeout: options.abortAfterMs ?? 5_000 } },
  });

  let stopping: Promise<void> | undefined;
  return {
    runNow(task, payload = {}) {
      if (!taskList[task]) return Promise.reject(new Error(`no such job: ${task}`));
      const key = `${task}:now:${randomUUID()}`;
      return new Promise<void>((resolve, reject) => {
        const done = ({ job, error }: { job: Job; error: unknown }) => {
          if (job.key !== key) return;
          runner.events.off("job:complete", done);
          if (error) reject(error instanceof Error ? error : new Error(String(error)));
          else resolve();
        };
        runner.events.on("job:complete", done);
        runner.addJob(task, payload, { jobKey: key, queueName: task }).catch((error: unknown) => {
          runner.events.off("job:complete", done);
          reject(error);
        });
      });
    },
    stop() {
      stopping ??= runner.stop();
      return stopping;
    },
  };
}

/** graphile-worker's log lines go to the server's JSON log. */
function bridgeLogger(log: WorkerLogger): Logger {
  return new Logger((scope) => (level, message, meta) => {
    const details = { component: "jobs", ...scope, ...(meta ?? {}) };
    if (level === "error") log.error(details, message);
    else if (level === "warning") log.warn(details, message);
    else if (level === "info") log.info(details, message);
    else log.debug(details, message);
  });
}
