import { HallwayError } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceContext, UserPrincipal } from "../context.ts";

/**
 * Runs a text through the school's word filter (from memory: no query). A rejected text is
 * refused with MESSAGE_REJECTED — which words matched is not said, so it cannot be used to
 * find a way round — and the attempt is audited. Otherwise: the text to store (masked words
 * as asterisks) and, when a flag entry matched, the reason its report carries.
 */
export async function screenMessage(
  ctx: ServiceContext,
  me: UserPrincipal,
  conversationId: string,
  text: string,
): Promise<{ text: string; flagReason: string | null }> {
  const screening = (await ctx.moderation.wordFilters.get()).screen(text);
  if (screening.verdict === "reject") {
    await recordAudit(ctx.db, me, {
      action: "message.rejected",
      targetType: "conversation",
      targetId: conversationId,
      details: { filterIds: screening.rejectedBy.map((e) => e.id) },
    });
    throw new HallwayError(
      "MESSAGE_REJECTED",
      "This message was not sent: it contains words this school does not allow. Please rephrase it.",
    );
  }
  const flagReason =
    screening.flaggedBy.length > 0
      ? `word filter: ${screening.flaggedBy.map((e) => e.pattern).join(", ")}`
      : null;
  return { text: screening.text, flagReason };
}
