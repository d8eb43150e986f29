import { MAX_REACTIONS_PER_USER, type ReactionResult } from "@hallway/protocol";
import { sql } from "kysely";
import { canReact } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import { appendChange, lockConversation } from "../../postgres/conversation-log.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "../conversations/membership.ts";

export interface SetReactionInput {
  conversationId: string;
  messageId: string;
  emoji: string;
  /** true: add, false: remove, undefined: flip what is there. */
  add?: boolean;
}

/**
 * Adds or removes the caller's reaction to a message. Setting what is already set changes
 * nothing and logs nothing, so a retry is safe. A change is a logged `reaction.updated` event
 * with the new count, taken under the conversation's row lock: counts follow sequence order,
 * and a client that was offline gets the changes on resume.
 */
export async function setReaction(
  ctx: ServiceContext,
  principal: Principal,
  input: SetReactionInput,
): Promise<ReactionResult> {
  const me = requireUser(principal);
  const { conversationId, messageId, emoji } = input;
  // Only members see a conversation's messages, whatever else the policy would allow.
  await requireMembership(ctx.db, conversationId, me.userId);
  const { facts, membership } = await ctx.policy.conversation(conversationId, me.userId);
  ctx.policy.require(canReact(ctx.policy.rules, await ctx.policy.person(me.userId), facts, membership), {
    actorId: me.userId,
    action: "reaction.set",
    targetType: "conversation",
    targetId: conversationId,
  });

  const { result, change } = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, conversationId);
    const message = await trx
      .selectFrom("messages")
      .select(["id", "kind", "deleted_at"])
      .where("conversation_id", "=", conversationId)
      .where("id", "=", messageId)
      .executeTakeFirst();
    if (!message || message.kind === "system" || message.deleted_at !== null) throw notFound.message();
    const mine = await sql<{ emoji: string }>`
      SELECT emoji FROM reactions WHERE message_id = ${messageId} AND user_id = ${me.userId}`.execute(trx);
    const had = mine.rows.some((r) => r.emoji === emoji);
    const want = input.add ?? !had;
    if (want && !had && mine.rows.length >= MAX_REACTIONS_PER_USER)
      throw new HallwayError(
        "TOO_MANY_REACTIONS",
        `You already have ${MAX_REACTIONS_PER_USER} different reactions on this message; take one back first.`,
      );
    if (want && !had)
      await trx
        .insertInto("reactions")
        .values({ conversation_id: conversationId, message_id: messageId, user_id: me.userId, emoji })
        .execute();
    if (!want && had)
      await trx
        .deleteFrom("reactions")
        .where("message_id", "=", messageId)
        .where("user_id", "=", me.userId)
        .where("emoji", "=", emoji)
        .execute();
    const counted = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM reactions WHERE message_id = ${messageId} AND emoji = ${emoji}`.execute(
      trx,
    );
    const count = counted.rows[0]!.n;
    const change =
      want === had
        ? null
        : await appendChange(trx, conversationId, "reaction.updated", me.userId, {
            messageId,
            emoji,
            userId: me.userId,
            added: want,
            count,
          });
    const result: ReactionResult = { messageId, emoji, count, me: want, seq: change?.seq ?? null };
    return { result, change };
  });
  if (change) ctx.events.publish([change]);
  return result;
}
