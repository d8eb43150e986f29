import { SearchMessagesQuery, SearchMessagesResult } from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ServiceContext } from "../../services/context.ts";
import { searchMessages } from "../../services/search/search-messages.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, SECURITY } from "../schemas.ts";

/** Message search (people search is GET /users?q=). */
export function searchRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    app.get(
      "/search/messages",
      {
        schema: {
          tags: ["search"],
          summary:
            "Full-text search over the messages of your conversations: web-search syntax, inline filters (from:, in:, has:, after:, before:), ranked, highlighted, paged",
          security: SECURITY,
          querystring: SearchMessagesQuery,
          response: { 200: SearchMessagesResult, ...AUTHED_ERRORS },
        },
      },
      async (request) => searchMessages(ctx, await principalOf(ctx, request), request.query),
    );
  };
}
