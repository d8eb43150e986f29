import { randomBytes } from "node:crypto";
import type { ServiceContext } from "../context.ts";
import { insertLocalUser } from "./create-user.ts";

export type BootstrapResult =
  | { created: false }
  | { created: true; username: string; password: string; generated: boolean };

/**
 * On first start (no admin exists yet) creates the bootstrap admin from the configuration. When
 * no password is configured, one is generated and handed back for the caller to show once.
 */
export async function bootstrapAdmin(ctx: ServiceContext): Promise<BootstrapResult> {
  const anyAdmin = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("role", "=", "admin")
    .limit(1)
    .executeTakeFirst();
  if (anyAdmin) return { created: false };
  const generated = !ctx.config.HALLWAY_ADMIN_PASSWORD;
  const password = ctx.config.HALLWAY_ADMIN_PASSWORD ?? randomBytes(12).toString("base64url");
  const username = ctx.config.HALLWAY_ADMIN_USERNAME;
  await insertLocalUser(ctx, { username, password, displayName: "Administrator", role: "admin" });
  return { created: true, username, password, generated };
}
