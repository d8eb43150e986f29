import type { ConversationSummary } from "@hallway/protocol";
import { sql } from "kysely";
import { canJoinViaInvite, type Membership, NOT_A_MEMBER } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import { appendSystemMessage, lockConversation } from "../../postgres/conversation-log.ts";
import type { Db } from "../../postgres/database.ts";
import type { InvitesTable } from "../../postgres/schema.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { getConversation } from "../conversations/get-conversations.ts";
import { inviteProblem } from "./invite-view.ts";

const PROBLEMS = {
  revoked: () => new HallwayError("INVITE_REVOKED", "A group admin revoked this invite."),
  expired: () => new HallwayError("INVITE_EXPIRED", "This invite has expired."),
  used_up: () => new HallwayError("INVITE_USED_UP", "This invite has been used as many times as it allows."),
} as const;

/**
 * Joins the group an invite code belongs to. An invite is an addition made later by its
 * creator, so the policy decides it on today's facts: the creator as they are now (still an
 * admin who may add people), the joiner, and everyone already in the group. Uses are counted
 * under the invite's row lock, so concurrent joins never exceed `maxUses`. Someone who is
 * already a member gets the conversation back, and no use is counted.
 */
export async function joinViaInvite(
  ctx: ServiceContext,
  principal: Principal,
  code: string,
  meta: { ip?: string } = {},
): Promise<{ conversation: ConversationSummary; joined: boolean }> {
  const me = requireUser(principal);
  const invite = await ctx.db.selectFrom("invites").selectAll().where("code", "=", code).executeTakeFirst();
  if (!invite) throw new HallwayError("INVITE_NOT_FOUND", "No such invite; ask for a new link.");
  const conversationId = invite.conversation_id;
  if (await isMember(ctx.db, conversationId, me.userId))
    return { conversation: await getConversation(ctx, principal, conversationId), joined: false };
  const problem = inviteProblem(invite);
  if (problem) throw PROBLEMS[problem]();

  const { facts } = await ctx.policy.conversation(conversationId, invite.created_by);
  const people = await ctx.policy.persons([invite.created_by, me.userId]);
  const inviter = people.get(invite.created_by);
  const joiner = people.get(me.userId);
  if (!inviter || !joiner) throw notFound.user();
  const members = await ctx.policy.memberFacts(conversationId);
  ctx.policy.require(
    canJoinViaInvite(
      ctx.policy.rules,
      joiner,
      facts,
      { inviter, inviterMembership: await inviterMembership(ctx.db, invite) },
      members,
    ),
    { actorId: me.userId, action: "invite.join", targetType: "conversation", targetId: conversationId },
  );

  const event = await ctx.db.transaction().execute(async (trx) => {
    await lockConversation(trx, conversationId);
    // Under the conversation's lock membership cannot change: a second tap of the same link
    // that raced this one finds the member and counts nothing.
    if (await isMember(trx, conversationId, me.userId)) return null;
    const counted = await sql<{ uses: number }>`
      UPDATE invites SET uses = uses + 1
      WHERE id = ${invite.id} AND revoked_at IS NULL AND expires_at > now()
        AND (max_uses IS NULL OR uses < max_uses)
      RETURNING uses`.execute(trx);
    if (counted.rows.length === 0) {
      const now = await trx.selectFrom("invites").selectAll().where("id", "=", invite.id).executeTakeFirst();
      throw now ? PROBLEMS[inviteProblem(now) ?? "used_up"]() : new HallwayError("INVITE_NOT_FOUND");
    }
    await sql`
      INSERT INTO members (conversation_id, user_id, last_read_seq, last_delivered_seq)
      SELECT ${conversationId}, ${me.userId}, c.last_seq, c.last_seq FROM conversations c WHERE c.id = ${conversationId}
      ON CONFLICT (conversation_id, user_id) DO UPDATE SET left_at = NULL, joined_at = now(), role = 'member',
        last_read_seq = GREATEST(members.last_read_seq, EXCLUDED.last_read_seq),
        last_delivered_seq = GREATEST(members.last_delivered_seq, EXCLUDED.last_delivered_seq)`.execute(trx);
    const event = await appendSystemMessage(trx, conversationId, {
      action: "member.joined",
      actorId: me.userId,
      userIds: [me.userId],
    });
    await recordAudit(trx, principal, {
      action: "member.joined",
      targetType: "conversation",
      targetId: conversationId,
      details: { userIds: [me.userId], inviteId: invite.id, invitedBy: invite.created_by },
      ip: meta.ip,
    });
    return event;
  });
  if (event) {
    ctx.events.membershipChanged({
      conversationId,
      conversationKind: "group",
      added: [me.userId],
      removed: [],
    });
    ctx.events.publish([event]);
  }
  return { conversation: await getConversation(ctx, principal, conversationId), joined: event !== null };
}

async function isMember(db: Db, conversationId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom("members")
    .select("user_id")
    .where("conversation_id", "=", conversationId)
    .where("user_id", "=", userId)
    .where("left_at", "is", null)
    .executeTakeFirst();
  return row !== undefined;
}

/** The creator's membership now, from the database: a deactivated creator adds nobody. */
async function inviterMembership(
  db: Db,
  invite: Pick<InvitesTable, "conversation_id" | "created_by">,
): Promise<Membership> {
  const row = await db
    .selectFrom("members")
    .innerJoin("users", "users.id", "members.user_id")
    .select(["members.role", "members.muted_until", "users.active"])
    .where("members.conversation_id", "=", invite.conversation_id)
    .where("members.user_id", "=", invite.created_by)
    .where("members.left_at", "is", null)
    .executeTakeFirst();
  if (!row?.active) return NOT_A_MEMBER;
  return { role: row.role, muted: row.muted_until !== null && row.muted_until.getTime() > Date.now() };
}
