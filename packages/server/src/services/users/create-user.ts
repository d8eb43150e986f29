import type { CreateUserBody, UserAccount } from "@hallway/protocol";
import { sql } from "kysely";
import { hashPassword } from "../../domain/passwords.ts";
import { HallwayError } from "../../errors.ts";
import { syncPrimaryMembership } from "../../postgres/primary-group.ts";
import { toUserAccount } from "../../postgres/rows.ts";
import { requireAdmin } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { followDirectory, publishFollowed } from "../directory/follow-directory.ts";

/** An admin creates a local account (one that signs in with a Hallway password). */
export async function createUser(
  ctx: ServiceContext,
  principal: Principal,
  input: CreateUserBody,
): Promise<UserAccount> {
  requireAdmin(principal);
  return insertLocalUser(ctx, input);
}

/**
 * Inserts a password account and puts it in the school-wide group, the announcement channels
 * whose audience includes it, and (staff) the open support conversations of its desk.
 */
export async function insertLocalUser(ctx: ServiceContext, input: CreateUserBody): Promise<UserAccount> {
  const role = await ctx.db
    .selectFrom("roles")
    .select("name")
    .where("name", "=", input.role)
    .executeTakeFirst();
  if (!role)
    throw new HallwayError("VALIDATION_FAILED", `Unknown role "${input.role}".`, {
      issues: [{ path: "role", message: "unknown role" }],
    });
  const passwordHash = await hashPassword(input.password);
  const { user, membership, followed } = await ctx.db.transaction().execute(async (trx) => {
    const taken = await trx
      .selectFrom("users")
      .select("id")
      .where(sql`lower(username)`, "=", input.username.toLowerCase())
      .executeTakeFirst();
    if (taken) throw new HallwayError("USERNAME_TAKEN", `The username "${input.username}" is taken.`);
    const user = await trx
      .insertInto("users")
      .values({
        username: input.username,
        password_hash: passwordHash,
        display_name: input.displayName,
        role: input.role,
        email: input.email ?? null,
        avatar_url: input.avatarUrl ?? null,
        external_id: input.externalId ?? null,
        last_seen_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((error: { code?: string }) => {
        if (error.code === "23505")
          throw new HallwayError("USERNAME_TAKEN", `The username "${input.username}" is taken.`);
        throw error;
      });
    const followed = await followDirectory(trx, ctx.policy.rules, {
      sectionIds: [],
      userIds: [user.id],
      studentIds: [],
    });
    return { user, membership: await syncPrimaryMembership(trx, [user.id]), followed };
  });
  ctx.events.membershipChanged(membership);
  publishFollowed(ctx, followed);
  return toUserAccount(user);
}
