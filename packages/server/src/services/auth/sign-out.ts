import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceContext, UserPrincipal } from "../context.ts";

/** Ends the caller's session: its tokens stop working and its sockets are closed. Audited. */
export async function signOut(
  ctx: Pick<ServiceContext, "db" | "events">,
  principal: UserPrincipal,
  ip?: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("sessions")
      .set({ revoked_at: new Date() })
      .where("id", "=", principal.sessionId)
      .where("revoked_at", "is", null)
      .execute();
    await recordAudit(trx, principal, {
      action: "auth.signed_out",
      targetType: "user",
      targetId: principal.userId,
      details: { sessionId: principal.sessionId },
      ip,
    });
  });
  ctx.events.sessionsRevoked(principal.userId, [principal.sessionId]);
}

/** Ends every session of a user (deactivation, password change). */
export async function revokeAllSessions(
  ctx: Pick<ServiceContext, "db" | "events">,
  userIds: string[],
): Promise<void> {
  if (userIds.length === 0) return;
  await ctx.db
    .updateTable("sessions")
    .set({ revoked_at: new Date() })
    .where("user_id", "in", userIds)
    .where("revoked_at", "is", null)
    .execute();
  for (const userId of userIds) ctx.events.sessionsRevoked(userId, "all");
}
