import type { ReactionList } from "@hallway/protocol";
import { requireMessage } from "../../postgres/message-pages.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "../conversations/membership.ts";

/** Who reacted to a message of a conversation I belong to, per emoji (for "who reacted" on hover). */
export async function listReactions(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  messageId: string,
): Promise<ReactionList> {
  const me = requireUser(principal);
  await requireMembership(ctx.db, conversationId, me.userId);
  await requireMessage(ctx.db, conversationId, messageId);
  const rows = await ctx.db
    .selectFrom("reactions")
    .select(["emoji", "user_id"])
    .where("message_id", "=", messageId)
    .orderBy("created_at")
    .orderBy("user_id")
    .execute();
  const byEmoji = new Map<string, string[]>();
  for (const row of rows) {
    const users = byEmoji.get(row.emoji) ?? [];
    users.push(row.user_id);
    byEmoji.set(row.emoji, users);
  }
  return { messageId, reactions: [...byEmoji].map(([emoji, userIds]) => ({ emoji, userIds })) };
}
