import type { Session } from "@hallway/protocol";
import { ACCESS_PREFIX, hashToken, newToken, REFRESH_PREFIX } from "../../domain/tokens.ts";
import type { Db } from "../../postgres/database.ts";
import { toUserAccount } from "../../postgres/rows.ts";
import type { ServiceContext } from "../context.ts";

/** Creates a session for a user and returns its tokens; only their hashes are stored. */
export async function issueSession(
  ctx: Pick<ServiceContext, "db" | "config">,
  userId: string,
  method: "password" | "trusted",
  userAgent?: string,
  db: Db = ctx.db,
): Promise<Session> {
  const accessToken = newToken(ACCESS_PREFIX);
  const refreshToken = newToken(REFRESH_PREFIX);
  const now = Date.now();
  const accessTokenExpiresAt = new Date(now + ctx.config.ACCESS_TOKEN_TTL * 1000);
  const refreshTokenExpiresAt = new Date(now + ctx.config.REFRESH_TOKEN_TTL * 1000);
  await db
    .insertInto("sessions")
    .values({
      user_id: userId,
      access_token_hash: hashToken(accessToken),
      access_expires_at: accessTokenExpiresAt,
      refresh_token_hash: hashToken(refreshToken),
      refresh_expires_at: refreshTokenExpiresAt,
      method,
      user_agent: userAgent?.slice(0, 500) ?? null,
    })
    .execute();
  const user = await db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirstOrThrow();
  return {
    accessToken,
    accessTokenExpiresAt: accessTokenExpiresAt.toISOString(),
    refreshToken,
    refreshTokenExpiresAt: refreshTokenExpiresAt.toISOString(),
    user: toUserAccount(user),
  };
}
