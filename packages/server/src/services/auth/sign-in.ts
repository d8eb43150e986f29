import type { Session } from "@hallway/protocol";
import { sql } from "kysely";
import { DECOY_PASSWORD_HASH, verifyPassword } from "../../domain/passwords.ts";
import { HallwayError } from "../../errors.ts";
import type { ServiceContext } from "../context.ts";
import { issueSession } from "./issue-session.ts";

/** Password sign-in by username or email. Unknown user and wrong password look the same. */
export async function signIn(
  ctx: Pick<ServiceContext, "db" | "config">,
  input: { username: string; password: string },
  userAgent?: string,
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
    throw new HallwayError("INVALID_CREDENTIALS", "Wrong username or password.");
  }
  return issueSession(ctx, user.id, "password", userAgent);
}
