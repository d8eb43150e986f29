import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { buildApp, type Hallway } from "../src/app.ts";
import { type Config, loadConfig } from "../src/config.ts";

/** A fresh database cloned from the migrated template; dropped when the test run ends. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = inject("postgresAdminUrl");
  const name = `hallway_t_${process.ppid}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Cloning takes a lock on the template: parallel files take turns, retrying briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDatabase")}`);
        break;
      } catch (error) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export const ADMIN_PASSWORD = "correct horse battery staple";

/**
 * A configuration for tests: quiet, with a known admin password; overrides win. The per-user
 * send and search limits are lifted (tests send bursts that no person types); the tests of
 * those limits set them back. Uploaded files go to a temporary folder, never to the
 * repository's `data/`.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: "silent",
    HALLWAY_ADMIN_PASSWORD: ADMIN_PASSWORD,
    PORT: "0",
    MESSAGE_RATE_LIMIT: "100000",
    SEARCH_RATE_LIMIT: "100000",
    FILES_DIR: path.join(os.tmpdir(), `hallway-test-files-${process.pid}`),
    ...overrides,
  });
}

export interface TestServer {
  hallway: Hallway;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  databaseUrl: string;
  /** Where this server keeps uploaded files. */
  filesDir: string;
  close(): Promise<void>;
}

/**
 * Starts a real Hallway on a random port against its own fresh database, admin bootstrapped.
 * Its uploaded files go to a folder of its own (`filesDir`), removed when it closes, unless
 * FILES_DIR is given.
 */
export async function startTestServer(
  overrides: Record<string, string> = {},
  databaseUrl?: string,
): Promise<TestServer> {
  const dbUrl = databaseUrl ?? (await createTestDatabase());
  const ownFiles = overrides.FILES_DIR ? null : await mkdtemp(path.join(os.tmpdir(), "hallway-test-files-"));
  const filesDir = overrides.FILES_DIR ?? ownFiles!;
  const hallway = await buildApp({
    config: testConfig({ ...overrides, FILES_DIR: filesDir }),
    databaseUrl: dbUrl,
    migrate: false,
  });
  const { bootstrapAdmin } = await import("../src/services/users/bootstrap-admin.ts");
  await bootstrapAdmin(hallway.ctx);
  await hallway.app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = hallway.app.server.address() as AddressInfo;
  return {
    hallway,
    url: `http://127.0.0.1:${port}`,
    databaseUrl: dbUrl,
    filesDir,
    close: async () => {
      await hallway.close();
      if (ownFiles) await rm(ownFiles, { recursive: true, force: true });
    },
  };
}
