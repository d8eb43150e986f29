import type { MyReport } from "@hallway/protocol";
import { sql } from "kysely";
import { notFound } from "../../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "../conversations/membership.ts";

interface ReportRow {
  id: string;
  conversation_id: string;
  message_id: string;
  reason: string;
  status: MyReport["status"];
  created_at: Date;
}

/**
 * A member reports a message to the school's moderators. One open report per reporter and
 * message: reporting again answers with the open report (`created: false`). A conversation
 * the reporter is not in does not exist for them.
 */
export async function reportMessage(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  messageId: string,
  reason: string,
): Promise<{ report: MyReport; created: boolean }> {
  const me = requireUser(principal);
  await requireMembership(ctx.db, conversationId, me.userId);
  const message = await ctx.db
    .selectFrom("messages")
    .select(["id", "kind"])
    .where("conversation_id", "=", conversationId)
    .where("id", "=", messageId)
    .executeTakeFirst();
  if (!message || message.kind === "system") throw notFound.message();
  const { row, created } = await ctx.db.transaction().execute(async (trx) => {
    // A report resolved in between leaves no open one to answer with: insert again.
    for (;;) {
      const inserted = await sql<ReportRow>`
        INSERT INTO reports (message_id, conversation_id, reporter_id, reason)
        VALUES (${messageId}, ${conversationId}, ${me.userId}, ${reason})
        ON CONFLICT (message_id, reporter_id) WHERE status = 'open' AND reporter_id IS NOT NULL DO NOTHING
        RETURNING id, conversation_id, message_id, reason, status, created_at`.execute(trx);
      if (inserted.rows[0]) {
        await recordAudit(trx, me, {
          action: "message.reported",
          targetType: "message",
          targetId: messageId,
          details: { conversationId, reportId: inserted.rows[0].id },
        });
        return { row: inserted.rows[0], created: true };
      }
      const open = await trx
        .selectFrom("reports")
        .select(["id", "conversation_id", "message_id", "reason", "status", "created_at"])
        .where("message_id", "=", messageId)
        .where("reporter_id", "=", me.userId)
        .where("status", "=", "open")
        .executeTakeFirst();
      if (open) return { row: open as ReportRow, created: false };
    }
  });
  return {
    report: {
      id: row.id,
      conversationId: row.conversation_id,
      messageId: row.message_id,
      reason: row.reason,
      status: row.status,
      createdAt: row.created_at.toISOString(),
    },
    created,
  };
}
