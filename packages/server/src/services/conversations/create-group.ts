import type { ConversationSummary } from "@hallway/protocol";
import { canCreateGroupWith } from "../../domain/policy/index.ts";
import { appendSystemMessage } from "../../postgres/conversation-log.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { getConversation } from "./get-conversations.ts";
import { requireActiveUsers } from "./membership.ts";

/** Creates a named group; the creator is its first admin, the others join as members. */
export async function createGroup(
  ctx: ServiceContext,
  principal: Principal,
  input: { name: string; memberIds: string[] },
): Promise<ConversationSummary> {
  const me = requireUser(principal);
  const others = [...new Set(input.memberIds)].filter((id) => id !== me.userId);
  await requireActiveUsers(ctx.db, others);
  const people = await ctx.policy.persons([me.userId, ...others]);
  ctx.policy.require(
    canCreateGroupWith(
      ctx.policy.rules,
      people.get(me.userId)!,
      others.map((id) => people.get(id)!),
    ),
    { actorId: me.userId, action: "group.create" },
  );
  const { conversationId, event } = await ctx.db.transaction().execute(async (trx) => {
    const conversation = await trx
      .insertInto("conversations")
      .values({
        kind: "group",
        name: input.name.trim(),
        created_by: me.userId,
        direct_key: null,
        section_id: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("members")
      .values([
        { conversation_id: conversation.id, user_id: me.userId, role: "admin", left_at: null },
        ...others.map((id) => ({
          conversation_id: conversation.id,
          user_id: id,
          role: "member" as const,
          left_at: null,
        })),
      ])
      .execute();
    const event = await appendSystemMessage(trx, conversation.id, {
      action: "conversation.created",
      actorId: me.userId,
      userIds: others,
    });
    await recordAudit(trx, principal, {
      action: "group.created",
      targetType: "conversation",
      targetId: conversation.id,
      details: { userIds: others },
    });
    return { conversationId: conversation.id, event };
  });
  ctx.events.membershipChanged({
    conversationId,
    conversationKind: "group",
    added: [me.userId, ...others],
    removed: [],
  });
  ctx.events.publish([event]);
  return getConversation(ctx, principal, conversationId);
}
