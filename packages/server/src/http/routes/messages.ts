import {
  ConversationParams,
  DeliveredResult,
  EditMessageBody,
  ForwardBody,
  HistoryQuery,
  Message,
  MessageEdits,
  MessagePage,
  MessageParams,
  PinBody,
  PinList,
  PositionBody,
  ReadResult,
  Receipts,
  RepliesQuery,
  SendMessageBody,
  SendMessageResult,
  ThreadPage,
} from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { notFound } from "../../errors.ts";
import type { ServiceContext } from "../../services/context.ts";
import { editMessage } from "../../services/messages/edit-message.ts";
import { forwardMessage } from "../../services/messages/forward-message.ts";
import { listPins, pinMessage } from "../../services/messages/pin-message.ts";
import { getMessage, readHistory } from "../../services/messages/read-history.ts";
import { listEdits, readThread } from "../../services/messages/read-thread.ts";
import { sendMessage } from "../../services/messages/send-message.ts";
import { getReceipts } from "../../services/receipts/get-receipts.ts";
import { markDelivered, markRead } from "../../services/receipts/move-position.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

/** A text message is at most 8,000 characters: 64 KiB of JSON is plenty. */
const MESSAGE_BODY_LIMIT = 64 * 1024;

export function messageRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
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
    app.patch(
      "/conversations/:conversationId/messages/:messageId",
      {
        bodyLimit: MESSAGE_BODY_LIMIT,
        schema: {
          ...base,
          summary:
            "Edit your own message's text (members get message.edited; the earlier text is kept for moderators)",
          params: MessageParams,
          body: EditMessageBody,
          response: { 200: z.object({ message: Message }), ...AUTHED_ERRORS, 413: ErrorResponse },
        },
      },
      async (request) =>
        editMessage(ctx, await principalOf(ctx, request), { ...request.params, text: request.body.text }),
    );
    app.get(
      "/conversations/:conversationId/messages/:messageId/replies",
      {
        schema: {
          ...base,
          summary: "A thread: the top-level message and a page of its replies, oldest first",
          params: MessageParams,
          querystring: RepliesQuery,
          response: { 200: ThreadPage, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        readThread(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.messageId,
          request.query,
        ),
    );
    app.get(
      "/conversations/:conversationId/messages/:messageId/edits",
      {
        schema: {
          ...base,
          summary: "A message's earlier texts, for those who moderate the conversation",
          params: MessageParams,
          response: { 200: MessageEdits, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        listEdits(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.messageId,
        ),
    );
    app.put(
      "/conversations/:conversationId/messages/:messageId/pin",
      {
        schema: {
          ...base,
          summary:
            "Pin (`pinned: true`) or unpin a message, if you run the conversation (either person in a direct one)",
          params: MessageParams,
          body: PinBody,
          response: {
            200: z.object({ message: Message, changed: z.boolean() }),
            ...AUTHED_ERRORS,
            409: ErrorResponse,
          },
        },
      },
      async (request) =>
        pinMessage(ctx, await principalOf(ctx, request), { ...request.params, pinned: request.body.pinned }),
    );
    app.get(
      "/conversations/:conversationId/pins",
      {
        schema: {
          ...base,
          summary: "The conversation's pinned messages, most recently pinned first",
          params: ConversationParams,
          response: { 200: PinList, ...AUTHED_ERRORS },
        },
      },
      async (request) => listPins(ctx, await principalOf(ctx, request), request.params.conversationId),
    );
    app.post(
      "/conversations/:conversationId/messages/:messageId/forward",
      {
        schema: {
          ...base,
          summary:
            "Forward a message to a conversation you may post in (idempotent by clientId: 201 when stored, 200 on a retry)",
          params: MessageParams,
          body: ForwardBody,
          response: { 200: SendMessageResult, 201: SendMessageResult, ...AUTHED_ERRORS, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await forwardMessage(ctx, await principalOf(ctx, request), {
          ...request.params,
          ...request.body,
        });
        return reply.status(result.duplicate ? 200 : 201).send(result);
      },
    );
    app.post(
      "/conversations/:conversationId/read",
      {
        schema: {
          ...base,
          summary: "Mark read up to `seq` (implies delivered); positions only move forward",
          params: ConversationParams,
          body: PositionBody,
          response: { 200: ReadResult, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        markRead(ctx, await principalOf(ctx, request), request.params.conversationId, request.body.seq),
    );
    app.post(
      "/conversations/:conversationId/delivered",
      {
        schema: {
          ...base,
          summary: "Acknowledge delivery up to `seq`",
          params: ConversationParams,
          body: PositionBody,
          response: { 200: DeliveredResult, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        markDelivered(ctx, await principalOf(ctx, request), request.params.conversationId, request.body.seq),
    );
    app.get(
      "/conversations/:conversationId/messages/:messageId/receipts",
      {
        schema: {
          ...base,
          summary: "Who has read and received a message",
          params: MessageParams,
          response: { 200: Receipts, ...AUTHED_ERRORS },
        },
      },
      async (request) => {
        const principal = await principalOf(ctx, request);
        const message = await getMessage(
          ctx,
          principal,
          request.params.conversationId,
          request.params.messageId,
        );
        if (message.kind === "system") throw notFound.message();
        return getReceipts(ctx, principal, request.params.conversationId, message.seq);
      },
    );
  };
}
