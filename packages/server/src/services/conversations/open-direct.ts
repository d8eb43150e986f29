import type { ConversationSummary } from "@hallway/protocol";
import { sql } from "kysely";
import { directKey } from "../../domain/direct-key.ts";
import { canOpenDirect } from "../../domain/policy/index.ts";
import { HallwayError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { getConversation } from "./get-conversations.ts";
import { requireActiveUsers } from "./membership.ts";

/**
 * Opens the direct conversation between the caller and another user: exactly one per pair, so
 * calling it again (from either side, even at the same moment) returns the same conversation.
 */
export async function openDirect(
  ctx: ServiceContext,
  principal: Principal,
  otherUserId: string,
): Promise<{ conversation: ConversationSummary; created: boolean }> {
  const me = requireUser(principal);
  if (otherUserId === me.userId)
    throw new HallwayError("SELF_CONVERSATION", "A direct conversation needs another user.");
  await requireActiveUsers(ctx.db, [otherUserId]);
  const key = directKey(me.userId, otherUserId);
  const existing = await ctx.db
    .selectFrom("conversations")
    .select("id")
    .where("direct_key", "=", key)
    .executeTakeFirst();
  if (!existing) {
    // Opening an existing conversation is only a lookup; starting one is what the policy decides.
    const people = await ctx.policy.persons([me.userId, otherUserId]);
    ctx.policy.require(canOpenDirect(ctx.policy.rules, people.get(me.userId)!, people.get(otherUserId)!), {
      actorId: me.userId,
      action: "direct.open",
      targetType: "user",
      targetId: otherUserId,
    });
  }
  const { created, conversationId, rejoined } = await ctx.db.transaction().execute(async (trx) => {
    const inserted = await sql<{ id: string }>`
      INSERT INTO conversations (kind, direct_key, created_by) VALUES ('direct', ${key}, ${me.userId})
      ON CONFLICT (direct_key) DO NOTHING RETURNING id`.execute(trx);
    const conversationId =
      inserted.rows[0]?.id ??
      (
        await trx
          .selectFrom("conversations")
          .select("id")
          .where("direct_key", "=", key)
          .executeTakeFirstOrThrow()
      ).id;
    const joined = await sql<{ user_id: string }>`
      INSERT INTO members (conversation_id, user_id)
      VALUES (${conversationId}, ${me.userId}), (${conversationId}, ${otherUserId})
      ON CONFLICT (conversation_id, user_id) DO NOTHING RETURNING user_id`.execute(trx);
    if (inserted.rows.length > 0) {
      await recordAudit(trx, principal, {
        action: "direct.opened",
        targetType: "conversation",
        targetId: conversationId,
        details: { with: otherUserId },
      });
    }
    return { created: inserted.rows.length > 0, conversationId, rejoined: joined.rows.map((r) => r.user_id) };
  });
  if (rejoined.length > 0)
    ctx.events.membershipChanged({
      conversationId,
      conversationKind: "direct",
      added: rejoined,
      removed: [],
    });
  return { conversation: await getConversation(ctx, principal, conversationId), created };
}
