import type { ConversationSummary } from "@hallway/protocol";
import { notFound } from "../../errors.ts";
import { loadConversationSummaries } from "../../postgres/conversation-summaries.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

/** My conversations with last message and unread count, pinned first, then most recent. */
export async function listConversations(
  ctx: ServiceContext,
  principal: Principal,
  archived: "true" | "false" | "all" = "false",
): Promise<{ conversations: ConversationSummary[]; totalUnread: number }> {
  const me = requireUser(principal);
  const conversations = await loadConversationSummaries(ctx.db, me.userId, {
    archived,
    rules: ctx.policy.rules,
  });
  const totalUnread = conversations.filter((c) => !c.me.muted).reduce((sum, c) => sum + c.unreadCount, 0);
  return { conversations, totalUnread };
}

/** One conversation I am a member of. */
export async function getConversation(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
): Promise<ConversationSummary> {
  const me = requireUser(principal);
  const [summary] = await loadConversationSummaries(ctx.db, me.userId, {
    conversationId,
    archived: "all",
    rules: ctx.policy.rules,
  });
  if (!summary) throw notFound.conversation();
  return summary;
}
