import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../packages/server/src/postgres/embedded.ts";

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

/**
 * A database of a benchmark's own, gone afterwards whatever happens: a fresh database on
 * DATABASE_URL's server (dropped at the end), or an embedded PostgreSQL in a temporary folder
 * (stopped and deleted). `run` gets its URL and where it lives.
 */
export async function withBenchDatabase<T>(
  prefix: string,
  run: (url: string, where: string) => Promise<T>,
): Promise<T> {
  if (process.env.DATABASE_URL) {
    const name = `${prefix}_${process.pid}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    try {
      return await run(url.toString(), `DATABASE_URL's server (database ${name}, dropped afterwards)`);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), `${prefix}-pg-`));
  let embedded: EmbeddedPostgres | undefined;
  try {
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, "postgres"), port: await freePort() });
    return await run(embedded.url, "an embedded PostgreSQL in a temporary folder (deleted afterwards)");
  } finally {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
