import {
  ConversationExport,
  ConversationParams,
  LegalHoldBody,
  LegalHoldResult,
  RetentionBody,
  RetentionSettings,
} from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { exportConversation } from "../../services/compliance/export-conversation.ts";
import { getRetentionSettings, setRetention } from "../../services/compliance/retention-settings.ts";
import { setLegalHold } from "../../services/compliance/set-legal-hold.ts";
import type { ServiceContext } from "../../services/context.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, SECURITY } from "../schemas.ts";

export function complianceRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    const base = { tags: ["compliance"], security: SECURITY };
    app.get(
      "/conversations/:conversationId/export",
      {
        schema: {
          ...base,
          summary:
            "Everything about a conversation for a lawful request: members, every message (deleted ones' text too), its audit entries (admins; audited)",
          params: ConversationParams,
          response: { 200: ConversationExport, ...AUTHED_ERRORS },
        },
      },
      async (request, reply) => {
        const exported = await exportConversation(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          { ip: request.ip },
        );
        return reply
          .header(
            "content-disposition",
            `attachment; filename="conversation-${exported.conversation.id}.json"`,
          )
          .send(exported);
      },
    );
    app.put(
      "/conversations/:conversationId/legal-hold",
      {
        schema: {
          ...base,
          summary:
            "Put a conversation on legal hold, or release it: retention deletes nothing in it (admins; audited)",
          params: ConversationParams,
          body: LegalHoldBody,
          response: { 200: LegalHoldResult, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        setLegalHold(ctx, await principalOf(ctx, request), request.params.conversationId, request.body.hold, {
          ip: request.ip,
        }),
    );
    app.get(
      "/settings/retention",
      {
        schema: {
          ...base,
          summary: "The retention rule and the conversations on legal hold (admins)",
          response: { 200: RetentionSettings, ...AUTHED_ERRORS },
        },
      },
      async (request) => getRetentionSettings(ctx, await principalOf(ctx, request)),
    );
    app.put(
      "/settings/retention",
      {
        schema: {
          ...base,
          summary:
            "Delete messages older than `days` (daily, outside legal hold), or keep everything with null (admins; audited)",
          body: RetentionBody,
          response: { 200: RetentionSettings, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        setRetention(ctx, await principalOf(ctx, request), request.body.days, { ip: request.ip }),
    );
  };
}
