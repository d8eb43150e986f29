import { HallwayError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireGroupAdmin } from "../conversations/membership.ts";

/**
 * A group admin revokes one of the group's invites: it stops working at once. Revoking a
 * revoked invite changes nothing. The row stays until it expires, so someone who follows the
 * link is told it was revoked.
 */
export async function revokeInvite(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  inviteId: string,
  meta: { ip?: string } = {},
): Promise<void> {
  const me = requireUser(principal);
  await requireGroupAdmin(ctx.db, conversationId, me.userId);
  await ctx.db.transaction().execute(async (trx) => {
    const invite = await trx
      .selectFrom("invites")
      .select(["id", "revoked_at"])
      .where("id", "=", inviteId)
      .where("conversation_id", "=", conversationId)
      .forUpdate()
      .executeTakeFirst();
    if (!invite) throw new HallwayError("INVITE_NOT_FOUND", "This group has no such invite.");
    if (invite.revoked_at) return;
    await trx.updateTable("invites").set({ revoked_at: new Date() }).where("id", "=", inviteId).execute();
    await recordAudit(trx, principal, {
      action: "invite.revoked",
      targetType: "conversation",
      targetId: conversationId,
      details: { inviteId },
      ip: meta.ip,
    });
  });
}
