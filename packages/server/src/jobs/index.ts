import { applyRetentionJob } from "./apply-retention.ts";
import { cleanUpAttachmentsJob } from "./clean-up-attachments.ts";
import type { JobDefinition } from "./job.ts";
import { removeExpiredInvitesJob } from "./remove-expired-invites.ts";

/** Every task the worker runs; a new task is a file in this folder and a line here. */
export const JOBS: readonly JobDefinition[] = [
  removeExpiredInvitesJob,
  applyRetentionJob,
  cleanUpAttachmentsJob,
];
