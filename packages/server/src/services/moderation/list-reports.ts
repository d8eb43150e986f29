import type { Report } from "@hallway/protocol";
import { canReviewReports } from "../../domain/policy/index.ts";
import { loadReports } from "../../postgres/reports.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

/**
 * The moderation queue: reports from members and from the word filter, with the message as it
 * was written (even when since deleted), its conversation, sender and reporter. For the
 * school's moderators (`moderation.moderators`: admins, the principal and guidance by default).
 */
export async function listReports(
  ctx: ServiceContext,
  principal: Principal,
  query: { status: Report["status"] | "all"; limit: number },
): Promise<{ reports: Report[]; hasMore: boolean }> {
  const me = requireUser(principal);
  ctx.policy.require(canReviewReports(ctx.policy.rules, await ctx.policy.person(me.userId)));
  const reports = await loadReports(ctx.db, { status: query.status, limit: query.limit + 1 });
  return { reports: reports.slice(0, query.limit), hasMore: reports.length > query.limit };
}
