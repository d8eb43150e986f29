import {
  ConversationParams,
  ConversationSummary,
  OpenSupportBody,
  SupportQueue,
  SupportQueueQuery,
} from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ServiceContext } from "../../services/context.ts";
import { claimSupport, resolveSupport } from "../../services/support/claim-support.ts";
import { listSupportQueue } from "../../services/support/list-support-queue.ts";
import { openSupport } from "../../services/support/open-support.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

/** A text message is at most 8,000 characters: 64 KiB of JSON is plenty. */
const OPEN_BODY_LIMIT = 64 * 1024;

export function supportRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    const base = { tags: ["support"], security: SECURITY };
    const errors = { ...AUTHED_ERRORS, 409: ErrorResponse, 413: ErrorResponse };
    app.post(
      "/support",
      {
        bodyLimit: OPEN_BODY_LIMIT,
        schema: {
          ...base,
          summary:
            "Open a support conversation with a desk (registrar, accounting, guidance, admin) with a first message (201; 200 when a retry with the same clientId finds it)",
          body: OpenSupportBody,
          response: { 200: ConversationSummary, 201: ConversationSummary, ...errors },
        },
      },
      async (request, reply) => {
        const { conversation, created } = await openSupport(
          ctx,
          await principalOf(ctx, request),
          request.body,
        );
        return reply.status(created ? 201 : 200).send(conversation);
      },
    );
    app.get(
      "/support/queue",
      {
        schema: {
          ...base,
          summary: "A desk's support conversations, oldest first (the desk's staff, and admins)",
          querystring: SupportQueueQuery,
          response: { 200: SupportQueue, ...AUTHED_ERRORS },
        },
      },
      async (request) => listSupportQueue(ctx, await principalOf(ctx, request), request.query),
    );
    app.post(
      "/support/:conversationId/claim",
      {
        schema: {
          ...base,
          summary: "Claim a support conversation for yourself (the desk's staff)",
          params: ConversationParams,
          response: { 200: ConversationSummary, ...errors },
        },
      },
      async (request) => claimSupport(ctx, await principalOf(ctx, request), request.params.conversationId),
    );
    app.post(
      "/support/:conversationId/resolve",
      {
        schema: {
          ...base,
          summary:
            "Mark a support conversation resolved (the desk's staff); the asker writing again reopens it",
          params: ConversationParams,
          response: { 200: ConversationSummary, ...errors },
        },
      },
      async (request) => resolveSupport(ctx, await principalOf(ctx, request), request.params.conversationId),
    );
  };
}
