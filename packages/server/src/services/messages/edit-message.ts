import type { Message } from "@hallway/protocol";
import { canMentionEveryone, canPost, canReply } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import { appendChange, lockConversation } from "../../postgres/conversation-log.ts";
import { requireMessage } from "../../postgres/message-pages.ts";
import { messageWithReactions } from "../../postgres/reactions.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { screenMessage } from "../moderation/screen-message.ts";
import { resolveMentions } from "./message-content.ts";

/**
 * Changes the text of the caller's own message. The author must still be allowed to post (or
 * reply) here: a muted member cannot rewrite what they said. The new text goes through the
 * word filter like a send (a flagged edit is reported), mentions are resolved again, and the
 * earlier text is kept in `message_edits` for moderators and the audit. Members get a logged
 * `message.edited`. The same text again changes nothing.
 */
export async function editMessage(
  ctx: ServiceContext,
  principal: Principal,
  input: { conversationId: string; messageId: string; text: string },
): Promise<{ message: Message }> {
  const me = requireUser(principal);
  const { facts, membership } = await ctx.policy.conversation(input.conversationId, me.userId);
  if (membership.role === "none") throw notFound.conversation();
  const current = await requireMessage(ctx.db, input.conversationId, input.messageId);
  if (current.kind === "system" || current.senderId !== me.userId || current.deleted)
    throw new HallwayError("MESSAGE_NOT_EDITABLE");
  const actor = await ctx.policy.person(me.userId);
  ctx.policy.require(
    (current.parentId === null ? canPost : canReply)(ctx.policy.rules, actor, facts, membership),
    { actorId: me.userId, action: "message.edit", targetType: "message", targetId: input.messageId },
  );
  const { text, flagReason } = await screenMessage(ctx, me, input.conversationId, input.text);
  if (text === current.text) return { message: await messageWithReactions(ctx.db, me.userId, current) };
  const mentioned = await resolveMentions(ctx.db, input.conversationId, text, () =>
    canMentionEveryone(ctx.policy.rules, actor, facts, membership),
  );

  const event = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, input.conversationId);
    const now = new Date();
    const before = await trx
      .selectFrom("messages")
      .select(["body", "deleted_at"])
      .where("id", "=", input.messageId)
      .executeTakeFirstOrThrow();
    // Deleted while we screened the text: a tombstone stays a tombstone.
    if (before.deleted_at !== null) throw new HallwayError("MESSAGE_NOT_EDITABLE");
    await trx
      .insertInto("message_edits")
      .values({
        message_id: input.messageId,
        editor_id: me.userId,
        previous_body: before.body,
        edited_at: now,
      })
      .execute();
    await trx
      .updateTable("messages")
      .set((eb) => ({
        body: text,
        edited_at: now,
        mentions: mentioned.mentions,
        mentions_everyone: mentioned.mentionsEveryone,
        flagged: flagReason === null ? eb.ref("flagged") : true,
      }))
      .where("id", "=", input.messageId)
      .execute();
    if (flagReason !== null) {
      await trx
        .insertInto("reports")
        .values({
          message_id: input.messageId,
          conversation_id: input.conversationId,
          reporter_id: null,
          reason: `${flagReason} (after an edit)`,
        })
        .execute();
      await recordAudit(trx, "system", {
        action: "message.flagged",
        targetType: "message",
        targetId: input.messageId,
        details: { conversationId: input.conversationId, senderId: me.userId, reason: flagReason },
      });
    }
    await recordAudit(trx, me, {
      action: "message.edited",
      targetType: "message",
      targetId: input.messageId,
      details: { conversationId: input.conversationId, seq: current.seq },
    });
    return appendChange(trx, input.conversationId, "message.edited", me.userId, {
      messageId: input.messageId,
      messageSeq: current.seq,
      text,
      ...mentioned,
      editedAt: now.toISOString(),
    });
  });
  ctx.events.publish([event]);
  const edited = await requireMessage(ctx.db, input.conversationId, input.messageId);
  return { message: await messageWithReactions(ctx.db, me.userId, edited) };
}
