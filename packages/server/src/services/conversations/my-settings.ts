import type { ConversationSummary } from "@hallway/protocol";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { getConversation } from "./get-conversations.ts";
import { requireMembership } from "./membership.ts";

/** Mute, archive or pin a conversation for myself only. */
export async function updateMySettings(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  settings: { muted?: boolean; archived?: boolean; pinned?: boolean },
): Promise<ConversationSummary> {
  const me = requireUser(principal);
  await requireMembership(ctx.db, conversationId, me.userId);
  await ctx.db
    .updateTable("members")
    .set(settings)
    .where("conversation_id", "=", conversationId)
    .where("user_id", "=", me.userId)
    .execute();
  return getConversation(ctx, principal, conversationId);
}
