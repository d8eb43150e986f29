import { timingSafeEqual } from "node:crypto";
import { ACCESS_PREFIX, hashToken } from "../../domain/tokens.ts";
import { HallwayError } from "../../errors.ts";
import type { Principal, ServiceContext } from "../context.ts";

/**
 * Turns a bearer token into a principal: a live session of an active user, or the school
 * system's service token. Tells apart "no such token", "expired" and "revoked" so a client
 * knows whether refreshing can help.
 */
export async function authenticate(
  ctx: Pick<ServiceContext, "db" | "config">,
  token: string | undefined,
): Promise<Principal> {
  if (!token) throw new HallwayError("UNAUTHENTICATED", "Send `Authorization: Bearer <access token>`.");
  const serviceToken = ctx.config.HALLWAY_SERVICE_TOKEN;
  if (serviceToken && equalSecrets(token, serviceToken)) return { kind: "service" };
  if (!token.startsWith(ACCESS_PREFIX) || token.length > 200)
    throw new HallwayError("UNAUTHENTICATED", "That is not a Hallway access token.");

  const row = await ctx.db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select([
      "sessions.id",
      "sessions.access_expires_at",
      "sessions.revoked_at",
      "users.id as user_id",
      "users.role",
      "users.active",
    ])
    .where("sessions.access_token_hash", "=", hashToken(token))
    .executeTakeFirst();
  if (!row) throw new HallwayError("UNAUTHENTICATED", "Unknown access token.");
  if (row.revoked_at || !row.active)
    throw new HallwayError("SESSION_REVOKED", "This session has ended; sign in again.");
  if (new Date(row.access_expires_at).getTime() <= Date.now())
    throw new HallwayError("TOKEN_EXPIRED", "The access token has expired; refresh it.");
  return { kind: "user", userId: row.user_id, role: row.role, sessionId: row.id };
}

function equalSecrets(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
