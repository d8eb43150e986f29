import { recordAudit } from "../audit/record-audit.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireAdminForConversation } from "./admin-access.ts";

/**
 * An admin puts a conversation on legal hold (retention deletes nothing in it) or releases it.
 * Audited as `conversation.legal_hold_set` or `conversation.legal_hold_released` when it changes.
 */
export async function setLegalHold(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  hold: boolean,
  meta: { ip?: string } = {},
): Promise<{ conversationId: string; legalHold: boolean }> {
  await requireAdminForConversation(ctx, principal, conversationId);
  await ctx.db.transaction().execute(async (trx) => {
    const changed = await trx
      .updateTable("conversations")
      .set({ legal_hold: hold })
      .where("id", "=", conversationId)
      .where("legal_hold", "=", !hold)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) === 0) return;
    await recordAudit(trx, principal, {
      action: hold ? "conversation.legal_hold_set" : "conversation.legal_hold_released",
      targetType: "conversation",
      targetId: conversationId,
      ip: meta.ip,
    });
  });
  return { conversationId, legalHold: hold };
}
