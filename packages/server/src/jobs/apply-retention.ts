import { applyRetention } from "../services/compliance/apply-retention.ts";
import type { JobDefinition } from "./job.ts";

/**
 * Daily at 02:30 UTC: messages older than the school's retention rule are deleted, except in
 * conversations on legal hold. A run the server missed (it was down at 02:30) is made up when
 * a worker starts within the day.
 */
export const applyRetentionJob: JobDefinition = {
  name: "retention.apply",
  schedule: "30 2 * * *",
  backfillMs: 24 * 3600 * 1000,
  async run({ ctx, signal, log }) {
    const result = await applyRetention(ctx, { signal });
    if (!result) return;
    log.info({ ...result }, "retention applied");
    // Interrupted by a shutdown: fail, so the queue runs it again (on this server or another).
    if (result.interrupted) throw new Error("retention interrupted by shutdown; it will run again");
  },
};
