import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../src/postgres/database.ts";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../src/postgres/embedded.ts";
import { migrateToLatest } from "../src/postgres/migrate.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser URL of the PostgreSQL under test (any database on it). */
    postgresAdminUrl: string;
    /** A migrated database every test file clones its own database from. */
    templateDatabase: string;
  }
}

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

/** The database name part of a URL swapped for another. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Tests run against a real PostgreSQL: DATABASE_URL when set, otherwise an embedded one in a
 * temporary folder. The schema is migrated once into a template; each test file clones it, so
 * files are isolated and run in parallel.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedPostgres | undefined;
  let tempDir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    tempDir = await mkdtemp(path.join(os.tmpdir(), "hallway-test-pg-"));
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(tempDir, "postgres"),
      port: await freePort(),
    });
    adminUrl = embedded.url;
  }
  const template = `hallway_template_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  const templateDb = openDatabase(withDatabase(adminUrl, template), 2);
  await migrateToLatest(templateDb.db);
  await templateDb.close();

  project.provide("postgresAdminUrl", adminUrl);
  project.provide("templateDatabase", template);

  return async () => {
    const leftovers = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`hallway_t_${process.pid}_%`],
    );
    for (const { datname } of leftovers.rows)
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.end();
    await embedded?.stop();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };
}
