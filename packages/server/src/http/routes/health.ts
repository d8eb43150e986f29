import type { FastifyPluginAsync } from "fastify";
import { sql } from "kysely";
import type { Metrics } from "../../metrics.ts";
import type { ServiceContext } from "../../services/context.ts";

/** Liveness, readiness and Prometheus metrics, outside /api so probes need no token. */
export function healthRoutes(
  ctx: ServiceContext,
  metrics: Metrics,
  isShuttingDown: () => boolean,
): FastifyPluginAsync {
  return async (app) => {
    app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
    app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
      if (isShuttingDown()) return reply.status(503).send({ status: "shutting-down" });
      try {
        await sql`SELECT 1`.execute(ctx.db);
        return { status: "ready" };
      } catch {
        return reply.status(503).send({ status: "database-unreachable" });
      }
    });
    app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  };
}
