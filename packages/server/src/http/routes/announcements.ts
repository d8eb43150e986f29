import {
  ConversationSummary,
  CreateAnnouncementBody,
  MessageParams,
  Readers,
  ReadersQuery,
} from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { createAnnouncement } from "../../services/announcements/create-announcement.ts";
import { getReaders } from "../../services/announcements/get-readers.ts";
import type { ServiceContext } from "../../services/context.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

export function announcementRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    const base = { tags: ["announcements"], security: SECURITY };
    app.post(
      "/announcements",
      {
        schema: {
          ...base,
          summary:
            "Create an announcement channel for an audience (everyone, roles, sections): the school's announcers, or teachers to their own sections",
          body: CreateAnnouncementBody,
          response: { 201: ConversationSummary, ...AUTHED_ERRORS },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createAnnouncement(ctx, await principalOf(ctx, request), request.body)),
    );
    app.get(
      "/conversations/:conversationId/messages/:messageId/readers",
      {
        schema: {
          ...base,
          summary:
            "Read by X of Y, and who has not read an announcement (its author, its announcers and admins)",
          params: MessageParams,
          querystring: ReadersQuery,
          response: { 200: Readers, ...AUTHED_ERRORS, 409: ErrorResponse },
        },
      },
      async (request) =>
        getReaders(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.messageId,
          request.query,
        ),
    );
  };
}
