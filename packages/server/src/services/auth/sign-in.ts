import type { Session } from "@hallway/protocol";
import { sql } from "kysely";
import { DECOY_PASSWORD_HASH, verifyPassword } from "../../domain/passwords.ts";
import { HallwayError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceContext } from "../context.ts";
import { issueSession } from "./issue-session.ts";

/**
 * Password sign-in by username or email. Unknown user and wrong password look the same. Every
 * attempt is audited: `auth.signed_in`, or `auth.sign_in_failed` with the reason and the
 * account tried when there is one (never the password; an unknown username is not recorded
 * either, since it is often a password typed into the wrong field).
 */
export async function signIn(
  ctx: Pick<ServiceContext, "db" | "config">,
  input: { username: string; password: string },
  userAgent?: string,
  ip?: string,
): Promise<Session> {
  const login = input.username.trim().toLowerCase();
  const user = await ctx.db
    .selectFrom("users")
    .select(["id", "password_hash", "active"])
    .where((eb) => eb.or([eb(sql`lower(username)`, "=", login), eb(sql`lower(email)`, "=", login)]))
    .orderBy(sql`lower(username) = ${login}`, "desc")
    .executeTakeFirst();
  const matches = await verifyPassword(input.password, user?.password_hash ?? DECOY_PASSWORD_HASH);
  if (!user?.password_hash || !matches || !user.active) {
    await recordAudit(ctx.db, "anonymous", {
      action: "auth.sign_in_failed",
      targetType: user ? "user" : undefined,
      targetId: user?.id,
      details: {
        method: "password",
        reason: !user
          ? "unknown_user"
          : !user.password_hash
            ? "no_password"
            : !matches
              ? "wrong_password"
              : "inactive",
      },
      ip,
    });
    throw new HallwayError("INVALID_CREDENTIALS", "Wrong username or password.");
  }
  return ctx.db.transaction().execute(async (trx) => {
    const session = await issueSession(ctx, user.id, "password", userAgent, trx);
    await recordAudit(
      trx,
      { kind: "user", userId: user.id },
      {
        action: "auth.signed_in",
        targetType: "user",
        targetId: user.id,
        details: { method: "password" },
        ip,
      },
    );
    return session;
  });
}
