import { HallwayError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireModerator } from "./require-moderator.ts";

/** Slow mode is for rooms: groups, section groups and the school-wide group. */
const SLOW_MODE_KINDS = new Set(["group", "section", "primary"]);

/**
 * Those who moderate a group (its staff admins, the section's teachers, the school's
 * moderators) set slow mode: members wait `seconds` between posts, and a post made too soon
 * is refused with RATE_LIMITED and the seconds left. Staff are not held back (by default:
 * `moderation.slowModeExempt`). 0 switches it off.
 */
export async function setSlowMode(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  seconds: number,
): Promise<{ conversationId: string; slowModeSeconds: number }> {
  const me = requireUser(principal);
  const { facts } = await requireModerator(ctx, me, conversationId);
  if (!SLOW_MODE_KINDS.has(facts.kind))
    throw new HallwayError(
      "CONVERSATION_KIND_MISMATCH",
      `Slow mode is for groups, section groups and the school-wide group, not ${facts.kind} conversations.`,
    );
  await ctx.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("conversations")
      .select("slow_mode_seconds")
      .where("id", "=", conversationId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (before.slow_mode_seconds === seconds) return;
    await trx
      .updateTable("conversations")
      .set({ slow_mode_seconds: seconds })
      .where("id", "=", conversationId)
      .execute();
    await recordAudit(trx, me, {
      action: "conversation.slow-mode-set",
      targetType: "conversation",
      targetId: conversationId,
      details: { seconds, previousSeconds: before.slow_mode_seconds },
    });
  });
  ctx.policy.forgetConversation(conversationId);
  return { conversationId, slowModeSeconds: seconds };
}
