import type { Report } from "@hallway/protocol";
import { sql } from "kysely";
import { canReviewReports } from "../../domain/policy/index.ts";
import { HallwayError } from "../../errors.ts";
import { lockConversation } from "../../postgres/conversation-log.ts";
import { loadReports } from "../../postgres/reports.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { deleteInTransaction } from "../messages/delete-message.ts";

const reportNotFound = () => new HallwayError("REPORT_NOT_FOUND", "No such report in the moderation queue.");

/**
 * A moderator deals with a report: `dismiss` (nothing wrong) or `remove-message` (removed for
 * everyone, as DELETE on the message would). Every open report on the same message is closed
 * with it, so the queue shows each message once. A report already dealt with answers
 * REPORT_ALREADY_RESOLVED.
 */
export async function resolveReport(
  ctx: ServiceContext,
  principal: Principal,
  reportId: string,
  resolution: { action: "dismiss" | "remove-message"; note?: string },
): Promise<Report> {
  const me = requireUser(principal);
  const found = await ctx.db
    .selectFrom("reports")
    .select(["conversation_id"])
    .where("id", "=", reportId)
    .executeTakeFirst();
  if (!found) throw reportNotFound();
  ctx.policy.require(canReviewReports(ctx.policy.rules, await ctx.policy.person(me.userId)));
  const conversationId = found.conversation_id;
  const event = await ctx.db.transaction().execute(async (trx) => {
    // The conversation first, then the report: the same order as deleting a message directly.
    await lockConversation(trx, conversationId);
    const { rows } = await sql<{ status: string; message_id: string }>`
      SELECT status, message_id FROM reports WHERE id = ${reportId} FOR UPDATE`.execute(trx);
    const report = rows[0];
    if (!report) throw reportNotFound();
    if (report.status !== "open")
      throw new HallwayError(
        "REPORT_ALREADY_RESOLVED",
        `This report has already been ${report.status === "dismissed" ? "dismissed" : "resolved"}.`,
      );
    const closed = await trx
      .selectFrom("reports")
      .select("id")
      .where("message_id", "=", report.message_id)
      .where("status", "=", "open")
      .execute();
    let event = null;
    if (resolution.action === "remove-message") {
      const message = await trx
        .selectFrom("messages")
        .select(["id", "seq", "sender_id"])
        .where("id", "=", report.message_id)
        .executeTakeFirstOrThrow();
      event = await deleteInTransaction(
        trx,
        me,
        { id: message.id, conversationId, seq: Number(message.seq), senderId: message.sender_id },
        "moderator",
        resolution.note,
      );
    } else {
      await trx
        .updateTable("reports")
        .set({
          status: "dismissed",
          resolved_by: me.userId,
          resolved_at: new Date(),
          resolution: resolution.note ?? null,
        })
        .where("message_id", "=", report.message_id)
        .where("status", "=", "open")
        .execute();
    }
    await recordAudit(trx, me, {
      action: "report.resolved",
      targetType: "report",
      targetId: reportId,
      details: {
        action: resolution.action,
        messageId: report.message_id,
        conversationId,
        reportIds: closed.map((r) => r.id),
      },
    });
    return event;
  });
  if (event) ctx.events.publish([event]);
  const [report] = await loadReports(ctx.db, { reportId });
  if (!report) throw reportNotFound();
  return report;
}
