import type { UserAccount, UserProfile } from "@hallway/protocol";
import { sql } from "kysely";
import { notFound } from "../../errors.ts";
import { PROFILE_COLUMNS, toUserAccount, toUserProfile } from "../../postgres/rows.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

/** The signed-in user's own account. */
export async function getMe(ctx: ServiceContext, principal: Principal): Promise<UserAccount> {
  const me = requireUser(principal);
  const row = await ctx.db.selectFrom("users").selectAll().where("id", "=", me.userId).executeTakeFirst();
  if (!row) throw notFound.user();
  return toUserAccount(row);
}

/** A user's public profile; admins see the whole account. */
export async function getUser(
  ctx: ServiceContext,
  principal: Principal,
  userId: string,
): Promise<UserProfile | UserAccount> {
  const me = requireUser(principal);
  const row = await ctx.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
  if (!row) throw notFound.user();
  return me.role === "admin" || me.userId === userId ? toUserAccount(row) : toUserProfile(row);
}

/**
 * People search by name or username: trigram similarity, so "jon smi" finds "Jonathan Smith",
 * best matches first. Active users only.
 */
export async function searchUsers(
  ctx: ServiceContext,
  principal: Principal,
  query: { q?: string; role?: string; limit: number },
): Promise<UserProfile[]> {
  requireUser(principal);
  const term = query.q?.trim().toLowerCase() ?? "";
  let select = ctx.db
    .selectFrom("users")
    .select([...PROFILE_COLUMNS])
    .where("users.active", "=", true);
  if (query.role) select = select.where("users.role", "=", query.role);
  if (term) {
    const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    select = select
      .where((eb) =>
        eb.or([
          eb(sql`lower(users.display_name)`, "like", pattern),
          eb(sql`lower(users.username)`, "like", pattern),
          eb(sql<boolean>`${term} <% lower(users.display_name)`, "=", true),
        ]),
      )
      .orderBy(sql`word_similarity(${term}, lower(users.display_name))`, "desc");
  }
  const rows = await select.orderBy("users.display_name").orderBy("users.id").limit(query.limit).execute();
  return rows.map(toUserProfile);
}
