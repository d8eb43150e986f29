import { HallwayError, notFound } from "../../errors.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext, UserPrincipal } from "../context.ts";

/**
 * The caller must be a Hallway admin, acting on a conversation that exists. To anyone else a
 * conversation they are not in looks like one that does not exist; a member is refused.
 */
export async function requireAdminForConversation(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
): Promise<UserPrincipal> {
  const me = requireUser(principal);
  if (me.role !== "admin") {
    const member = await ctx.db
      .selectFrom("members")
      .select("user_id")
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", me.userId)
      .where("left_at", "is", null)
      .executeTakeFirst();
    if (!member) throw notFound.conversation();
    throw new HallwayError("FORBIDDEN", "Only admins may do this.");
  }
  const exists = await ctx.db
    .selectFrom("conversations")
    .select("id")
    .where("id", "=", conversationId)
    .executeTakeFirst();
  if (!exists) throw notFound.conversation();
  return me;
}
