import { randomUUID } from "node:crypto";
import type { CreateInviteBody, Invite } from "@hallway/protocol";
import { canCreateInvite } from "../../domain/policy/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "../conversations/membership.ts";
import { toInvite } from "./invite-view.ts";

/**
 * A group admin who may add people makes an invite link: anyone who opens it before it expires
 * (and while uses remain) joins the group, if the policy would let its creator add them then.
 */
export async function createInvite(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  input: CreateInviteBody,
  meta: { baseUrl: string; ip?: string },
): Promise<Invite> {
  const me = requireUser(principal);
  // The admin role as it is now (the policy's cached facts may be a few seconds old).
  const current = await requireMembership(ctx.db, conversationId, me.userId);
  const { facts, membership } = await ctx.policy.conversation(conversationId, me.userId);
  ctx.policy.require(
    canCreateInvite(ctx.policy.rules, await ctx.policy.person(me.userId), facts, {
      ...membership,
      role: current.role,
    }),
  );
  const row = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("invites")
      .values({
        conversation_id: conversationId,
        code: randomUUID(),
        created_by: me.userId,
        expires_at: new Date(Date.now() + input.expiresInHours * 3600 * 1000),
        max_uses: input.maxUses ?? null,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, principal, {
      action: "invite.created",
      targetType: "conversation",
      targetId: conversationId,
      details: { inviteId: row.id, expiresAt: row.expires_at.toISOString(), maxUses: row.max_uses },
      ip: meta.ip,
    });
    return row;
  });
  return toInvite(row, meta.baseUrl);
}
