import path from "node:path";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { CLOSE_CODES } from "@hallway/protocol";
import Fastify, { type FastifyInstance } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Config } from "./config.ts";
import { errorHandler, notFoundHandler } from "./http/error-handler.ts";
import { announcementRoutes } from "./http/routes/announcements.ts";
import { attachmentRoutes } from "./http/routes/attachments.ts";
import { auditRoutes } from "./http/routes/audit.ts";
import { authRoutes } from "./http/routes/auth.ts";
import { complianceRoutes } from "./http/routes/compliance.ts";
import { conversationRoutes } from "./http/routes/conversations.ts";
import { directoryRoutes } from "./http/routes/directory.ts";
import { fileRoutes } from "./http/routes/files.ts";
import { healthRoutes } from "./http/routes/health.ts";
import { inviteRoutes } from "./http/routes/invites.ts";
import { messageRoutes } from "./http/routes/messages.ts";
import { moderationRoutes } from "./http/routes/moderation.ts";
import { reactionRoutes } from "./http/routes/reactions.ts";
import { searchRoutes } from "./http/routes/search.ts";
import { supervisionRoutes } from "./http/routes/supervision.ts";
import { supportRoutes } from "./http/routes/support.ts";
import { userRoutes } from "./http/routes/users.ts";
import { registerWebApp } from "./http/web-app.ts";
import { JOBS } from "./jobs/index.ts";
import { type JobWorker, migrateJobQueue, startJobWorker } from "./jobs/worker.ts";
import { createMetrics } from "./metrics.ts";
import { openDatabase } from "./postgres/database.ts";
import { MessageWriter } from "./postgres/message-writer.ts";
import { migrateToLatest } from "./postgres/migrate.ts";
import { startSearchIndexUpkeep } from "./postgres/search-index-upkeep.ts";
import { registerGateway } from "./realtime/gateway.ts";
import { Hub } from "./realtime/hub.ts";
import { LocalEventBus } from "./realtime/local-event-bus.ts";
import { databaseLogReader } from "./realtime/log-reader.ts";
import { PresenceTracker } from "./realtime/presence.ts";
import { TypingRelay } from "./realtime/typing.ts";
import { TrustedTokenVerifier } from "./services/auth/trusted-sign-in.ts";
import type { ServiceContext } from "./services/context.ts";
import { createModerationState } from "./services/moderation/moderation-state.ts";
import { loadPolicyRules } from "./services/policy/load-policy-rules.ts";
import { Policy } from "./services/policy/policy.ts";
import { LocalDiskBlobStore } from "./storage/local-disk-store.ts";

export interface BuildOptions {
  config: Config;
  /** The PostgreSQL to use (main.ts resolves the embedded one). */
  databaseUrl: string;
  /** Run migrations before serving (default true). */
  migrate?: boolean;
}

export interface Hallway {
  app: FastifyInstance;
  ctx: ServiceContext;
  events: LocalEventBus;
  hub: Hub;
  /** The background job worker; null when JOBS_ENABLED is false. */
  jobs: JobWorker | null;
  /** Stops accepting work, drains the writer, closes sockets and the database pool. */
  close(): Promise<void>;
}

/** Builds the whole server without listening: main.ts listens, tests inject or listen on port 0. */
export async function buildApp(options: BuildOptions): Promise<Hallway> {
  const { config } = options;
  const database = openDatabase(options.databaseUrl, config.DATABASE_POOL_SIZE, config.WRITER_CONNECTIONS);
  if (options.migrate !== false) await migrateToLatest(database.db);

  const metrics = createMetrics();
  const events = new LocalEventBus();
  const app = Fastify({
    logger:
      config.LOG_LEVEL === "silent"
        ? false
        : { level: config.LOG_LEVEL, redact: ["req.headers.authorization"] },
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // Malformed URLs get the one error body too; long path ids reach validation (and its
    // VALIDATION_FAILED) instead of looking like an unknown route.
    frameworkErrors: errorHandler,
    routerOptions: { maxParamLength: 1_000 },
    forceCloseConnections: true,
  });
  const writer = new MessageWriter(database.writerPool, events, {
    connections: config.WRITER_CONNECTIONS,
    onError: (error) => app.log.error({ err: error }, "message batch failed; retrying one by one"),
    onBatch: (size, seconds) => {
      metrics.writerBatches.observe(size);
      metrics.writerCommits.observe(seconds);
      metrics.messagesWritten.inc(size);
    },
  });
  const policy = new Policy(database.db, loadPolicyRules(config));
  const moderation = createModerationState(database.db, config, (error) =>
    app.log.error({ err: error }, "word filter reload failed"),
  );
  const blobs = new LocalDiskBlobStore(path.resolve(config.FILES_DIR ?? path.join(config.DATA_DIR, "files")));
  await blobs.init();
  const ctx: ServiceContext = { db: database.db, writer, events, config, policy, moderation, blobs };
  let shuttingDown = false;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook("onResponse", async (request, reply) => {
    metrics.httpRequests.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  const hub = new Hub(database.db);
  const presence = new PresenceTracker(
    database.db,
    { graceMs: config.PRESENCE_GRACE_MS, idleAfterMs: config.PRESENCE_IDLE_AFTER_MS, coalesceMs: 50 },
    (error) => app.log.error({ err: error }, "presence update failed"),
  );
  const typing = new TypingRelay(hub);
  const searchIndex = startSearchIndexUpkeep(database.db, 2_000, (error) =>
    app.log.error({ err: error }, "search index upkeep failed"),
  );
  const policyRefresh = policy.startRefreshing((error) =>
    app.log.error({ err: error }, "policy facts refresh failed"),
  );
  events.subscribe({
    events: (committed) => {
      hub.deliver(committed);
      for (const event of committed) {
        if (event.type === "message.created" && event.message.senderId)
          typing.stop(event.conversationId, event.message.senderId);
      }
    },
    membership: (change) => {
      policy.forgetConversation(change.conversationId, [...change.added, ...change.removed]);
      hub.membershipChanged(change);
    },
    sessions: (userId, sessionIds) => hub.sessionsRevoked(userId, sessionIds),
    receipts: (move) => hub.receiptMoved(move),
  });

  await app.register(helmet, { contentSecurityPolicy: false });
  // Limits apply per route (global: false) and after the body is parsed, so sign-in can be keyed by username.
  await app.register(rateLimit, { global: false, hook: "preHandler" });
  await app.register(swagger, {
    openapi: {
      info: {
        title: "Hallway API",
        version: "1",
        description: "REST API of Hallway, the real-time chat server for schools.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  await registerGateway(app, { ctx, hub, presence, typing }, databaseLogReader(database.db), {
    heartbeatMs: config.WS_HEARTBEAT_MS,
    maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
    ratePerSecond: config.WS_RATE_PER_SECOND,
    burst: config.WS_RATE_BURST,
  });

  const verifier = new TrustedTokenVerifier(config);
  await app.register(healthRoutes(ctx, metrics, () => shuttingDown));
  await app.register(
    async (api) => {
      await api.register(authRoutes(ctx, verifier));
      await api.register(userRoutes(ctx));
      await api.register(directoryRoutes(ctx));
      await api.register(conversationRoutes(ctx));
      await api.register(messageRoutes(ctx));
      await api.register(reactionRoutes(ctx));
      await api.register(announcementRoutes(ctx));
      await api.register(supportRoutes(ctx));
      await api.register(moderationRoutes(ctx));
      await api.register(inviteRoutes(ctx));
      await api.register(auditRoutes(ctx));
      await api.register(supervisionRoutes(ctx));
      await api.register(complianceRoutes(ctx));
      await api.register(searchRoutes(ctx));
      await api.register(attachmentRoutes(ctx));
    },
    { prefix: "/api/v1" },
  );
  await app.register(fileRoutes(ctx));
  await registerWebApp(app);

  // The job queue lives in the same database; graphile-worker migrates its own schema.
  let jobs: JobWorker | null = null;
  try {
    if (config.JOBS_ENABLED)
      jobs = await startJobWorker({
        ctx,
        databaseUrl: options.databaseUrl,
        jobs: JOBS,
        log: app.log,
        concurrency: config.JOBS_CONCURRENCY,
        abortAfterMs: config.SHUTDOWN_TIMEOUT_MS,
      });
    else if (options.migrate !== false) await migrateJobQueue(options.databaseUrl, app.log);
  } catch (error) {
    await app.close();
    await searchIndex.stop();
    await policyRefresh.stop();
    await database.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    app,
    ctx,
    events,
    hub,
    jobs,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        hub.closeAll(CLOSE_CODES.SERVER_SHUTDOWN, "server shutting down; reconnect");
        presence.close();
        typing.close();
        await searchIndex.stop();
        await policyRefresh.stop();
        // Running jobs finish (or are asked to stop) while requests in flight finish.
        await Promise.all([app.close(), jobs?.stop()]);
        await writer.drain();
        await database.close();
      })();
      return closing;
    },
  };
}
