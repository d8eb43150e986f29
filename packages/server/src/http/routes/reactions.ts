import { MessageParams, ReactionList, ReactionParams, ReactionResult } from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ServiceContext } from "../../services/context.ts";
import { listReactions } from "../../services/reactions/list-reactions.ts";
import { setReaction } from "../../services/reactions/set-reaction.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

export function reactionRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    const base = { tags: ["messages"], security: SECURITY };
    const response = { 200: ReactionResult, ...AUTHED_ERRORS, 409: ErrorResponse };
    app.get(
      "/conversations/:conversationId/messages/:messageId/reactions",
      {
        schema: {
          ...base,
          summary: "Who reacted to a message, per emoji",
          params: MessageParams,
          response: { 200: ReactionList, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        listReactions(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.messageId,
        ),
    );
    app.put(
      "/conversations/:conversationId/messages/:messageId/reactions/:emoji",
      {
        schema: {
          ...base,
          summary: "React with an emoji (percent-encoded in the path); a repeat changes nothing",
          params: ReactionParams,
          response,
        },
      },
      async (request) => setReaction(ctx, await principalOf(ctx, request), { ...request.params, add: true }),
    );
    app.delete(
      "/conversations/:conversationId/messages/:messageId/reactions/:emoji",
      {
        schema: {
          ...base,
          summary: "Take your reaction back; a repeat changes nothing",
          params: ReactionParams,
          response,
        },
      },
      async (request) => setReaction(ctx, await principalOf(ctx, request), { ...request.params, add: false }),
    );
  };
}
