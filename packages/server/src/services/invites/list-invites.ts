import type { Invite } from "@hallway/protocol";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireGroupAdmin } from "../conversations/membership.ts";
import { toInvite } from "./invite-view.ts";

/** A group's invites, newest first, for its admins: live ones and those not yet cleaned up. */
export async function listInvites(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  meta: { baseUrl: string },
): Promise<{ invites: Invite[] }> {
  const me = requireUser(principal);
  await requireGroupAdmin(ctx.db, conversationId, me.userId);
  const rows = await ctx.db
    .selectFrom("invites")
    .selectAll()
    .where("conversation_id", "=", conversationId)
    .orderBy("created_at", "desc")
    .orderBy("id")
    .limit(1_000)
    .execute();
  return { invites: rows.map((row) => toInvite(row, meta.baseUrl)) };
}
