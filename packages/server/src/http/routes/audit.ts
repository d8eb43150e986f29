import { AuditPage, AuditQuery } from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { queryAudit } from "../../services/audit/query-audit.ts";
import type { ServiceContext } from "../../services/context.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, SECURITY } from "../schemas.ts";

export function auditRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    app.get(
      "/audit",
      {
        schema: {
          tags: ["compliance"],
          security: SECURITY,
          summary: "The audit log, newest first, filtered and a page at a time (admins)",
          querystring: AuditQuery,
          response: { 200: AuditPage, ...AUTHED_ERRORS },
        },
      },
      async (request) => queryAudit(ctx, await principalOf(ctx, request), request.query),
    );
  };
}
