import { MAX_PINS_PER_CONVERSATION, type Message } from "@hallway/protocol";
import { canPin, canPost } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import { appendChange, lockConversation } from "../../postgres/conversation-log.ts";
import { requireMessage } from "../../postgres/message-pages.ts";
import { messageWithReactions, withReactions } from "../../postgres/reactions.ts";
import { MESSAGE_COLUMNS, toMessage } from "../../postgres/rows.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "../conversations/membership.ts";

/**
 * Pins a message to its conversation, or unpins it, for those the policy lets (`canPin`).
 * Members get a logged `pin.updated`, so a client that was offline catches up. Pinning a pinned
 * message (or unpinning one that is not) changes nothing; notices and tombstones are not pinned.
 */
export async function pinMessage(
  ctx: ServiceContext,
  principal: Principal,
  input: { conversationId: string; messageId: string; pinned: boolean },
): Promise<{ message: Message; changed: boolean }> {
  const me = requireUser(principal);
  const { facts, membership } = await ctx.policy.conversation(input.conversationId, me.userId);
  if (membership.role === "none") throw notFound.conversation();
  const actor = await ctx.policy.person(me.userId);
  ctx.policy.require(
    canPin(ctx.policy.rules, actor, facts, membership, canPost(ctx.policy.rules, actor, facts, membership)),
    { actorId: me.userId, action: "message.pin", targetType: "message", targetId: input.messageId },
  );
  const event = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, input.conversationId);
    const message = await requireMessage(trx, input.conversationId, input.messageId);
    if (input.pinned && (message.kind === "system" || message.deleted))
      throw new HallwayError("VALIDATION_FAILED", "Notices and deleted messages cannot be pinned.");
    if ((message.pinnedAt !== null) === input.pinned) return null;
    if (input.pinned) {
      const pins = await trx
        .selectFrom("messages")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("conversation_id", "=", input.conversationId)
        .where("pinned_at", "is not", null)
        .executeTakeFirstOrThrow();
      if (Number(pins.n) >= MAX_PINS_PER_CONVERSATION)
        throw new HallwayError("TOO_MANY_PINS", undefined, { maxPins: MAX_PINS_PER_CONVERSATION });
    }
    const now = new Date();
    await trx
      .updateTable("messages")
      .set({ pinned_at: input.pinned ? now : null, pinned_by: input.pinned ? me.userId : null })
      .where("id", "=", input.messageId)
      .execute();
    return appendChange(trx, input.conversationId, "pin.updated", me.userId, {
      messageId: input.messageId,
      messageSeq: message.seq,
      pinned: input.pinned,
      actorId: me.userId,
      pinnedAt: input.pinned ? now.toISOString() : null,
    });
  });
  if (event) ctx.events.publish([event]);
  const message = await requireMessage(ctx.db, input.conversationId, input.messageId);
  return { message: await messageWithReactions(ctx.db, me.userId, message), changed: event !== null };
}

/** A conversation's pinned messages, most recently pinned first (deleted ones drop out). */
export async function listPins(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
): Promise<{ messages: Message[] }> {
  const me = requireUser(principal);
  await requireMembership(ctx.db, conversationId, me.userId);
  const rows = await ctx.db
    .selectFrom("messages")
    .select(MESSAGE_COLUMNS)
    .where("conversation_id", "=", conversationId)
    .where("pinned_at", "is not", null)
    .where("deleted_at", "is", null)
    .orderBy("pinned_at", "desc")
    .limit(MAX_PINS_PER_CONVERSATION)
    .execute();
  return { messages: await withReactions(ctx.db, me.userId, rows.map(toMessage)) };
}
