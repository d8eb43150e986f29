import { appendSystemMessage, lockConversation } from "../../postgres/conversation-log.ts";
import { deskDeltas } from "../../postgres/desk-members.ts";
import { applyMembershipDeltas } from "../../postgres/membership-diff.ts";
import type { ServiceContext } from "../context.ts";

/**
 * The person who asked wrote again in a resolved support conversation: it is open again, for
 * the whole desk (staff who joined the desk since it was resolved come in). Anything else
 * (another status, someone else writing) changes nothing. Called after the message is stored.
 */
export async function reopenSupportIfResolved(
  ctx: ServiceContext,
  conversationId: string,
  writerId: string,
): Promise<void> {
  const current = await ctx.db
    .selectFrom("conversations")
    .select("support_status")
    .where("id", "=", conversationId)
    .where("support_requester_id", "=", writerId)
    .executeTakeFirst();
  if (current?.support_status !== "resolved") return;
  const reopened = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, conversationId);
    const row = await trx
      .updateTable("conversations")
      .set({ support_status: "open", support_claimed_by: null, support_resolved_at: null })
      .where("id", "=", conversationId)
      .where("support_status", "=", "resolved")
      .returning("id")
      .executeTakeFirst();
    if (!row) return null;
    const deltas = await deskDeltas(trx, ctx.policy.rules.support.desks, {
      userIds: null,
      conversationIds: [conversationId],
    });
    const [applied] = await applyMembershipDeltas(trx, deltas);
    const event = await appendSystemMessage(trx, conversationId, {
      action: "support.reopened",
      actorId: writerId,
      userIds: [],
    });
    return { event, applied };
  });
  if (!reopened) return;
  const { event, applied } = reopened;
  if (applied && applied.added.length + applied.removed.length > 0)
    ctx.events.membershipChanged({
      conversationId,
      conversationKind: "support",
      added: applied.added,
      removed: applied.removed,
    });
  ctx.events.publish([event]);
}
