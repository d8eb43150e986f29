import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildApp } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./postgres/embedded.ts";
import { bootstrapAdmin } from "./services/users/bootstrap-admin.ts";

/** Starts Hallway: configuration, database (embedded unless DATABASE_URL), HTTP, and a clean stop on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }

  const dataDir = path.resolve(config.DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    console.log(
      JSON.stringify({
        level: 30,
        msg: `starting embedded PostgreSQL in ${path.join(dataDir, "postgres")} on 127.0.0.1:${config.EMBEDDED_PG_PORT}`,
      }),
    );
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, "postgres"),
      port: config.EMBEDDED_PG_PORT,
    });
    databaseUrl = embedded.url;
  }

  const hallway = await buildApp({ config, databaseUrl });
  const log = hallway.app.log;

  const admin = await bootstrapAdmin(hallway.ctx);
  if (admin.created && admin.generated) {
    const file = path.join(dataDir, "admin-password.txt");
    await writeFile(file, `${admin.password}\n`, { mode: 0o600 });
    log.warn(`Created the bootstrap admin "${admin.username}"; its generated password is in ${file}`);
  } else if (admin.created) {
    log.info(`Created the bootstrap admin "${admin.username}" with HALLWAY_ADMIN_PASSWORD`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: shutting down`);
    const timer = setTimeout(() => {
      log.error("shutdown took too long; exiting");
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 5_000);
    timer.unref();
    try {
      await hallway.close();
      await embedded?.stop();
      log.info("stopped");
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, "error during shutdown");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  try {
    await hallway.app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    log.error({ err: error }, `cannot listen on ${config.HOST}:${config.PORT}`);
    await hallway.close();
    await embedded?.stop();
    process.exit(1);
  }
  log.info(`Hallway is ready at http://localhost:${config.PORT}/ (API docs at /docs)`);
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
