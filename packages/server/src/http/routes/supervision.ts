import {
  ConversationParams,
  HistoryQuery,
  MessagePage,
  SupervisedConversationPage,
  SupervisedConversationsQuery,
} from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ServiceContext } from "../../services/context.ts";
import { listSupervisedConversations } from "../../services/supervision/list-supervised-conversations.ts";
import { readSupervisedHistory } from "../../services/supervision/read-supervised-history.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, SECURITY } from "../schemas.ts";

export function supervisionRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    const base = { tags: ["compliance"], security: SECURITY };
    app.get(
      "/supervision/conversations",
      {
        schema: {
          ...base,
          summary:
            "Conversations that involve students, most recently active first (the school's supervisors; audited)",
          querystring: SupervisedConversationsQuery,
          response: { 200: SupervisedConversationPage, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        listSupervisedConversations(ctx, await principalOf(ctx, request), request.query, { ip: request.ip }),
    );
    app.get(
      "/supervision/conversations/:conversationId/messages",
      {
        schema: {
          ...base,
          summary:
            "Review a student conversation's history without being in it (the school's supervisors; every page is audited)",
          params: ConversationParams,
          querystring: HistoryQuery,
          response: { 200: MessagePage, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        readSupervisedHistory(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.query,
          { ip: request.ip },
        ),
    );
  };
}
