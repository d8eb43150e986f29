import { randomUUID } from "node:crypto";
import type { ConversationSummary, OpenSupportBody } from "@hallway/protocol";
import { sql } from "kysely";
import { canOpenSupport } from "../../domain/policy/index.ts";
import { HallwayError } from "../../errors.ts";
import { deskDeltas } from "../../postgres/desk-members.ts";
import { applyMembershipDeltas } from "../../postgres/membership-diff.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { getConversation } from "../conversations/get-conversations.ts";
import { sendMessage } from "../messages/send-message.ts";

/**
 * Opens a support conversation with a desk (the registrar, accounting, guidance…): the person
 * asking and every active member of staff with that role, any of whom may answer. The first
 * message is posted like any other (policy, word filter, batched writer). With a client id,
 * a retried open returns the conversation the first one opened.
 */
export async function openSupport(
  ctx: ServiceContext,
  principal: Principal,
  input: OpenSupportBody,
): Promise<{ conversation: ConversationSummary; created: boolean }> {
  const me = requireUser(principal);
  const actor = await ctx.policy.person(me.userId);
  ctx.policy.require(canOpenSupport(ctx.policy.rules, actor, input.desk), {
    actorId: me.userId,
    action: "support.open",
  });
  if (input.clientId) {
    const earlier = await ctx.db
      .selectFrom("messages")
      .innerJoin("conversations", "conversations.id", "messages.conversation_id")
      .select("conversations.id")
      .where("messages.sender_id", "=", me.userId)
      .where("messages.client_id", "=", input.clientId)
      .where("conversations.kind", "=", "support")
      .executeTakeFirst();
    if (earlier) return { conversation: await getConversation(ctx, principal, earlier.id), created: false };
  }
  const desk = await ctx.db
    .selectFrom("roles")
    .select(["name", "label"])
    .where("name", "=", input.desk)
    .executeTakeFirst();
  if (!desk) throw new HallwayError("FORBIDDEN", `This school has no "${input.desk}" staff to answer.`);

  const { conversationId, added } = await ctx.db.transaction().execute(async (trx) => {
    const conversation = await trx
      .insertInto("conversations")
      .values({
        kind: "support",
        name: desk.label,
        created_by: me.userId,
        direct_key: null,
        section_id: null,
        audience: null,
        support_desk: desk.name,
        support_requester_id: me.userId,
        support_status: "open",
        support_claimed_by: null,
        support_resolved_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(trx, principal, {
      action: "support.opened",
      targetType: "conversation",
      targetId: conversation.id,
      details: { desk: desk.name },
    });
    const deltas = await deskDeltas(trx, ctx.policy.rules.support.desks, {
      userIds: null,
      conversationIds: [conversation.id],
    });
    const [applied] = await applyMembershipDeltas(trx, deltas);
    return { conversationId: conversation.id, added: applied?.added ?? [] };
  });
  ctx.events.membershipChanged({ conversationId, conversationKind: "support", added, removed: [] });
  try {
    await sendMessage(ctx, principal, {
      conversationId,
      clientId: input.clientId ?? randomUUID(),
      text: input.text,
    });
  } catch (error) {
    // The question did not go through (the word filter, a limit): leave no empty conversation.
    await ctx.db
      .deleteFrom("conversations")
      .where("id", "=", conversationId)
      .where(sql<boolean>`last_seq = 0`)
      .execute();
    ctx.events.membershipChanged({ conversationId, conversationKind: "support", added: [], removed: added });
    throw error;
  }
  return { conversation: await getConversation(ctx, principal, conversationId), created: true };
}
