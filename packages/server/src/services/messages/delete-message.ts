import { canModerate } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import { appendChange, lockConversation } from "../../postgres/conversation-log.ts";
import type { Db } from "../../postgres/database.ts";
import type { ChangeLogged } from "../../realtime/event-publisher.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext, UserPrincipal } from "../context.ts";

export type DeletedBy = "author" | "moderator";

/** The message being deleted, as the log event names it. */
export interface DeletableMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string | null;
}

/**
 * Deletes a message for everyone: the author their own, whoever moderates the conversation
 * anyone's (a moderator need not be a member: they come from the moderation queue). Members
 * get a logged `message.deleted` and show a tombstone; the text stays in the database for the
 * moderation queue and the audit, and is never sent to members again. Deleting a deleted
 * message changes nothing. Someone who is neither author nor moderator is refused; someone
 * who cannot see the conversation is told it does not exist.
 */
export async function deleteMessage(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  messageId: string,
): Promise<{ deletedBy: DeletedBy }> {
  const me = requireUser(principal);
  const { facts, membership } = await ctx.policy.conversation(conversationId, me.userId);
  const actor = await ctx.policy.person(me.userId);
  const moderate = canModerate(ctx.policy.rules, actor, facts, membership);
  if (membership.role === "none" && !moderate.allowed) throw notFound.conversation();
  const message = await ctx.db
    .selectFrom("messages")
    .select(["id", "seq", "sender_id", "kind"])
    .where("conversation_id", "=", conversationId)
    .where("id", "=", messageId)
    .executeTakeFirst();
  if (!message) throw notFound.message();
  if (message.kind === "system")
    throw new HallwayError("FORBIDDEN", "Notices about the conversation itself cannot be deleted.");
  const deletedBy: DeletedBy = message.sender_id === me.userId ? "author" : "moderator";
  if (deletedBy === "moderator" && !moderate.allowed)
    throw new HallwayError(
      "FORBIDDEN",
      "You may delete only your own messages: removing others' is for those who moderate this conversation.",
      { rule: moderate.rule },
    );
  const event = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, conversationId);
    return deleteInTransaction(
      trx,
      me,
      { id: message.id, conversationId, seq: Number(message.seq), senderId: message.sender_id },
      deletedBy,
    );
  });
  if (event) ctx.events.publish([event]);
  return { deletedBy };
}

/**
 * The deletion itself, inside the caller's transaction (which holds the conversation's lock):
 * the tombstone, the logged event and the audit entry. A moderator's removal also closes the
 * open reports on the message. Returns the event to publish after commit, or null when the
 * message was already deleted.
 */
export async function deleteInTransaction(
  trx: Db,
  me: UserPrincipal,
  message: DeletableMessage,
  deletedBy: DeletedBy,
  note?: string,
): Promise<ChangeLogged<"message.deleted"> | null> {
  const now = new Date();
  const updated = await trx
    .updateTable("messages")
    .set({ deleted_at: now, removed_by: deletedBy === "moderator" ? me.userId : null })
    .where("id", "=", message.id)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  let event: ChangeLogged<"message.deleted"> | null = null;
  if (Number(updated.numUpdatedRows) > 0) {
    event = await appendChange(trx, message.conversationId, "message.deleted", me.userId, {
      messageId: message.id,
      messageSeq: message.seq,
      senderId: message.senderId,
      deletedBy,
      actorId: me.userId,
    });
    await recordAudit(trx, me, {
      action: deletedBy === "moderator" ? "message.removed" : "message.deleted",
      targetType: "message",
      targetId: message.id,
      details: { conversationId: message.conversationId, seq: message.seq, senderId: message.senderId },
    });
  }
  if (deletedBy === "moderator") {
    await trx
      .updateTable("reports")
      .set({
        status: "resolved",
        resolved_by: me.userId,
        resolved_at: now,
        resolution: note ?? "The message was removed by a moderator.",
      })
      .where("message_id", "=", message.id)
      .where("status", "=", "open")
      .execute();
  }
  return event;
}
