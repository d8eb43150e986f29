import type { Message } from "@hallway/protocol";
import { readMessagePage, requireMessage } from "../../postgres/message-pages.ts";
import { messageWithReactions, withReactions } from "../../postgres/reactions.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "../conversations/membership.ts";

/**
 * A page of a conversation's messages by sequence number: `after` pages forward (oldest
 * first), `before` pages backward; neither gives the newest page. Always ascending, with each
 * message's reactions as the caller sees them.
 */
export async function readHistory(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  page: { before?: number; after?: number; limit: number },
): Promise<{ messages: Message[]; hasMore: boolean }> {
  const me = requireUser(principal);
  await requireMembership(ctx.db, conversationId, me.userId);
  const { messages, hasMore } = await readMessagePage(ctx.db, conversationId, page);
  return { messages: await withReactions(ctx.db, me.userId, messages), hasMore };
}

/** One message by id, from a conversation I belong to. */
export async function getMessage(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  messageId: string,
): Promise<Message> {
  const me = requireUser(principal);
  await requireMembership(ctx.db, conversationId, me.userId);
  return messageWithReactions(ctx.db, me.userId, await requireMessage(ctx.db, conversationId, messageId));
}
