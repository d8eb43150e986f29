import { cleanUpAttachments } from "../services/attachments/clean-up-attachments.ts";
import type { JobDefinition } from "./job.ts";

/**
 * Hourly: uploads no message took within a day are removed, with every blob no attachment
 * refers to any more and staged files a crash left behind.
 */
export const cleanUpAttachmentsJob: JobDefinition = {
  name: "attachments.clean_up",
  schedule: "41 * * * *",
  async run({ ctx, signal, log }) {
    const result = await cleanUpAttachments(ctx, { signal });
    if (result.unsentRemoved + result.blobsRemoved + result.stagingRemoved > 0)
      log.info({ ...result }, "cleaned up attachments");
    if (result.interrupted) throw new Error("attachment clean-up interrupted by shutdown; it will run again");
  },
};
