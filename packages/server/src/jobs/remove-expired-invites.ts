import { removeExpiredInvites } from "../services/invites/remove-expired-invites.ts";
import type { JobDefinition } from "./job.ts";

/** Every ten minutes: invites whose time is up are deleted (revoked and used-up ones with them). */
export const removeExpiredInvitesJob: JobDefinition = {
  name: "invites.remove_expired",
  schedule: "*/10 * * * *",
  async run({ ctx, signal, log }) {
    const removed = await removeExpiredInvites(ctx.db, { signal });
    if (removed > 0) log.info({ removed }, "removed expired invites");
  },
};
