import type { Session } from "@hallway/protocol";
import { hashToken, REFRESH_PREFIX } from "../../domain/tokens.ts";
import { HallwayError } from "../../errors.ts";
import type { ServiceContext } from "../context.ts";
import { issueSession } from "./issue-session.ts";

/**
 * Trades a refresh token for a new session. The old session is revoked in the same
 * transaction, so each refresh token works once: a stolen one that is replayed after its owner
 * used it finds nothing.
 */
export async function refreshSession(
  ctx: Pick<ServiceContext, "db" | "config">,
  refreshToken: string,
  userAgent?: string,
): Promise<Session> {
  if (!refreshToken.startsWith(REFRESH_PREFIX))
    throw new HallwayError("UNAUTHENTICATED", "That is not a Hallway refresh token.");
  return ctx.db.transaction().execute(async (trx) => {
    const old = await trx
      .updateTable("sessions")
      .set({ revoked_at: new Date() })
      .where("refresh_token_hash", "=", hashToken(refreshToken))
      .where("revoked_at", "is", null)
      .returning(["user_id", "refresh_expires_at", "method"])
      .executeTakeFirst();
    if (!old)
      throw new HallwayError(
        "SESSION_REVOKED",
        "This refresh token was already used or the session has ended.",
      );
    if (new Date(old.refresh_expires_at).getTime() <= Date.now())
      throw new HallwayError("TOKEN_EXPIRED", "The refresh token has expired; sign in again.");
    const user = await trx
      .selectFrom("users")
      .select("active")
      .where("id", "=", old.user_id)
      .executeTakeFirstOrThrow();
    if (!user.active) throw new HallwayError("SESSION_REVOKED", "This account is deactivated.");
    return issueSession(ctx, old.user_id, old.method as "password" | "trusted", userAgent, trx);
  });
}
