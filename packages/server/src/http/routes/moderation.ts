import {
  BanResult,
  ConversationParams,
  DeleteMessageResult,
  MemberParams,
  MessageParams,
  MuteBody,
  MuteResult,
  MyReport,
  PutWordFilterBody,
  Report,
  ReportList,
  ReportListQuery,
  ReportMessageBody,
  ReportParams,
  ResolveReportBody,
  SlowModeBody,
  SlowModeResult,
  WordFilter,
  WordFilterList,
  WordFilterParams,
} from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ServiceContext } from "../../services/context.ts";
import { deleteMessage } from "../../services/messages/delete-message.ts";
import { banMember, unbanMember } from "../../services/moderation/ban-member.ts";
import { listReports } from "../../services/moderation/list-reports.ts";
import {
  listWordFilters,
  putWordFilter,
  removeWordFilter,
} from "../../services/moderation/manage-word-filters.ts";
import { muteMember, unmuteMember } from "../../services/moderation/mute-member.ts";
import { reportMessage } from "../../services/moderation/report-message.ts";
import { resolveReport } from "../../services/moderation/resolve-report.ts";
import { setSlowMode } from "../../services/moderation/set-slow-mode.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

/** Moderation: the word filter, reports and the queue, deleting messages, mutes, bans, slow mode. */
export function moderationRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    const base = { tags: ["moderation"], security: SECURITY };
    const errors = { ...AUTHED_ERRORS, 409: ErrorResponse };

    app.get(
      "/moderation/word-filters",
      {
        schema: {
          ...base,
          summary: "The school's word filter (admins)",
          response: { 200: WordFilterList, ...errors },
        },
      },
      async (request) => ({ filters: await listWordFilters(ctx, await principalOf(ctx, request)) }),
    );
    app.post(
      "/moderation/word-filters",
      {
        schema: {
          ...base,
          summary:
            "Add a word or phrase to the filter, or change its action (admins): 201 when added, 200 when it existed",
          body: PutWordFilterBody,
          response: { 200: WordFilter, 201: WordFilter, ...errors },
        },
      },
      async (request, reply) => {
        const { filter, created } = await putWordFilter(ctx, await principalOf(ctx, request), request.body);
        return reply.status(created ? 201 : 200).send(filter);
      },
    );
    app.delete(
      "/moderation/word-filters/:filterId",
      {
        schema: {
          ...base,
          summary: "Take a word or phrase out of the filter (admins)",
          params: WordFilterParams,
          response: { 204: z.null(), ...errors },
        },
      },
      async (request, reply) => {
        await removeWordFilter(ctx, await principalOf(ctx, request), request.params.filterId);
        return reply.status(204).send(null);
      },
    );
    app.get(
      "/moderation/reports",
      {
        schema: {
          ...base,
          summary: "The moderation queue: reported and flagged messages (the school's moderators)",
          querystring: ReportListQuery,
          response: { 200: ReportList, ...errors },
        },
      },
      async (request) => listReports(ctx, await principalOf(ctx, request), request.query),
    );
    app.post(
      "/moderation/reports/:reportId/resolve",
      {
        schema: {
          ...base,
          summary: "Dismiss a report, or remove the message for everyone (the school's moderators)",
          params: ReportParams,
          body: ResolveReportBody,
          response: { 200: Report, ...errors },
        },
      },
      async (request) =>
        resolveReport(ctx, await principalOf(ctx, request), request.params.reportId, request.body),
    );
    app.post(
      "/conversations/:conversationId/messages/:messageId/report",
      {
        schema: {
          ...base,
          summary:
            "Report a message to the school's moderators (one open report per message: 201 when made, 200 when it existed)",
          params: MessageParams,
          body: ReportMessageBody,
          response: { 200: MyReport, 201: MyReport, ...errors },
        },
      },
      async (request, reply) => {
        const { report, created } = await reportMessage(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.messageId,
          request.body.reason,
        );
        return reply.status(created ? 201 : 200).send(report);
      },
    );
    app.delete(
      "/conversations/:conversationId/messages/:messageId",
      {
        schema: {
          ...base,
          tags: ["messages"],
          summary:
            "Delete a message for everyone: your own, or anyone's where you moderate (a tombstone stays in its place)",
          params: MessageParams,
          response: { 200: DeleteMessageResult, ...errors },
        },
      },
      async (request) =>
        deleteMessage(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.messageId,
        ),
    );
    app.post(
      "/conversations/:conversationId/members/:userId/mute",
      {
        schema: {
          ...base,
          summary: "Mute a member for some minutes: they read but cannot post (moderators)",
          params: MemberParams,
          body: MuteBody,
          response: { 200: MuteResult, ...errors },
        },
      },
      async (request) =>
        muteMember(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.userId,
          request.body.minutes,
        ),
    );
    app.post(
      "/conversations/:conversationId/members/:userId/unmute",
      {
        schema: {
          ...base,
          summary: "Lift a mute (moderators)",
          params: MemberParams,
          response: { 200: MuteResult, ...errors },
        },
      },
      async (request) =>
        unmuteMember(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.userId,
        ),
    );
    app.post(
      "/conversations/:conversationId/members/:userId/ban",
      {
        schema: {
          ...base,
          summary: "Ban from a group or section group: removed, and cannot be added or rejoin (moderators)",
          params: MemberParams,
          response: { 200: BanResult, ...errors },
        },
      },
      async (request) =>
        banMember(ctx, await principalOf(ctx, request), request.params.conversationId, request.params.userId),
    );
    app.post(
      "/conversations/:conversationId/members/:userId/unban",
      {
        schema: {
          ...base,
          summary: "Lift a ban; the person can be added again (moderators)",
          params: MemberParams,
          response: { 200: BanResult, ...errors },
        },
      },
      async (request) =>
        unbanMember(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.userId,
        ),
    );
    app.put(
      "/conversations/:conversationId/slow-mode",
      {
        schema: {
          ...base,
          summary: "Set slow mode: seconds members wait between posts, 0 for off (moderators)",
          params: ConversationParams,
          body: SlowModeBody,
          response: { 200: SlowModeResult, ...errors },
        },
      },
      async (request) =>
        setSlowMode(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.body.seconds,
        ),
    );
  };
}
