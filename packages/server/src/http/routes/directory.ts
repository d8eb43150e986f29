import { DirectorySyncBody, DirectorySyncResult } from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ServiceContext } from "../../services/context.ts";
import { syncDirectory } from "../../services/directory/sync-directory.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

/** A whole school's directory in one call: 50,000 users is about 10 MB of JSON. */
export const DIRECTORY_BODY_LIMIT = 32 * 1024 * 1024;

export function directoryRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    app.post(
      "/directory/sync",
      {
        bodyLimit: DIRECTORY_BODY_LIMIT,
        schema: {
          tags: ["directory"],
          summary:
            "Upsert users, sections with their enrolments and guardian links, keyed by the school system's ids (admins or the service token)",
          security: SECURITY,
          body: DirectorySyncBody,
          response: { 200: DirectorySyncResult, ...AUTHED_ERRORS, 409: ErrorResponse },
        },
      },
      async (request) => syncDirectory(ctx, await principalOf(ctx, request), request.body),
    );
  };
}
