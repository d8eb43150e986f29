import {
  ConversationParams,
  HistoryQuery,
  Message,
  MessagePage,
  MessageParams,
  SendMessageBody,
  SendMessageResult,
} from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ServiceContext } from "../../services/context.ts";
import { getMessage, readHistory } from "../../services/messages/read-history.ts";
import { sendMessage } from "../../services/messages/send-message.ts";
import { principalOf } from "../principal.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

/** A text message is at most 8,000 characters: 64 KiB of JSON is plenty. */
const MESSAGE_BODY_LIMIT = 64 * 1024;

export function messageRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    const base = { tags: ["messages"], security: SECURITY };
    app.post(
      "/conversations/:conversationId/messages",
      {
        bodyLimit: MESSAGE_BODY_LIMIT,
        schema: {
          ...base,
          summary:
            "Send a message (idempotent by clientId: 201 when stored, 200 with the first result on a retry)",
          params: ConversationParams,
          body: SendMessageBody,
          response: {
            200: SendMessageResult,
            201: SendMessageResult,
            ...AUTHED_ERRORS,
            409: ErrorResponse,
            413: ErrorResponse,
          },
        },
      },
      async (request, reply) => {
        const result = await sendMessage(ctx, await principalOf(ctx, request), {
          conversationId: request.params.conversationId,
          ...request.body,
        });
        return reply.status(result.duplicate ? 200 : 201).send(result);
      },
    );
    app.get(
      "/conversations/:conversationId/messages",
      {
        schema: {
          ...base,
          summary:
            "History by sequence number: `after` pages forward, `before` backward, neither gives the newest",
          params: ConversationParams,
          querystring: HistoryQuery,
          response: { 200: MessagePage, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        readHistory(ctx, await principalOf(ctx, request), request.params.conversationId, request.query),
    );
    app.get(
      "/conversations/:conversationId/messages/:messageId",
      {
        schema: {
          ...base,
          summary: "One message",
          params: MessageParams,
          response: { 200: Message, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        getMessage(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.messageId,
        ),
    );
  };
}
