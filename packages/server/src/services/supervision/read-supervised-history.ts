import type { Message } from "@hallway/protocol";
import { readMessagePage } from "../../postgres/message-pages.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireSupervisable } from "./supervision-access.ts";

/**
 * A supervisor reads a page of a conversation that involves a student, without being in it,
 * exactly as its members page through it (deleted messages are tombstones here too: a lawful
 * export is the way to their text). Every page read is audited (`supervision.viewed`), in the
 * same transaction as the read, so no review goes unrecorded.
 */
export async function readSupervisedHistory(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  page: { before?: number; after?: number; limit: number },
  meta: { ip?: string } = {},
): Promise<{ messages: Message[]; hasMore: boolean }> {
  await requireSupervisable(ctx, principal, conversationId);
  return ctx.db.transaction().execute(async (trx) => {
    const { messages, hasMore } = await readMessagePage(trx, conversationId, page);
    await recordAudit(trx, principal, {
      action: "supervision.viewed",
      targetType: "conversation",
      targetId: conversationId,
      details: {
        before: page.before ?? null,
        after: page.after ?? null,
        count: messages.length,
        fromSeq: messages[0]?.seq ?? null,
        toSeq: messages.at(-1)?.seq ?? null,
      },
      ip: meta.ip,
    });
    return { messages, hasMore };
  });
}
