import type { Message } from "@hallway/protocol";
import { canModerate } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import { requireMessage } from "../../postgres/message-pages.ts";
import { withReactions } from "../../postgres/reactions.ts";
import { MESSAGE_COLUMNS, toMessage } from "../../postgres/rows.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "../conversations/membership.ts";

/** A thread: its top-level message and a page of replies after `after`, oldest first. */
export async function readThread(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  messageId: string,
  page: { after?: number; limit: number },
): Promise<{ parent: Message; replies: Message[]; hasMore: boolean }> {
  const me = requireUser(principal);
  await requireMembership(ctx.db, conversationId, me.userId);
  const parent = await requireMessage(ctx.db, conversationId, messageId);
  if (parent.parentId !== null || parent.kind === "system") throw new HallwayError("NOT_A_THREAD");
  let query = ctx.db
    .selectFrom("messages")
    .select(MESSAGE_COLUMNS)
    .where("parent_id", "=", messageId)
    .orderBy("seq")
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where("seq", ">", page.after);
  const rows = await query.execute();
  const [withTheirs, ...replies] = await withReactions(ctx.db, me.userId, [
    parent,
    ...rows.slice(0, page.limit).map(toMessage),
  ]);
  return { parent: withTheirs!, replies, hasMore: rows.length > page.limit };
}

/**
 * A message's earlier texts, oldest first: for those who moderate the conversation (whether or
 * not they are members, as with removal). Members, the author included, are refused.
 */
export async function listEdits(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  messageId: string,
): Promise<{ messageId: string; edits: { previousText: string; editorId: string; editedAt: string }[] }> {
  const me = requireUser(principal);
  const { facts, membership } = await ctx.policy.conversation(conversationId, me.userId);
  const actor = await ctx.policy.person(me.userId);
  const moderate = canModerate(ctx.policy.rules, actor, facts, membership);
  if (membership.role === "none" && !moderate.allowed) throw notFound.conversation();
  ctx.policy.require(moderate, {
    actorId: me.userId,
    action: "message.edits.view",
    targetType: "message",
    targetId: messageId,
  });
  await requireMessage(ctx.db, conversationId, messageId);
  const rows = await ctx.db
    .selectFrom("message_edits")
    .select(["previous_body", "editor_id", "edited_at"])
    .where("message_id", "=", messageId)
    .orderBy("id")
    .execute();
  return {
    messageId,
    edits: rows.map((r) => ({
      previousText: r.previous_body,
      editorId: r.editor_id,
      editedAt: r.edited_at.toISOString(),
    })),
  };
}
