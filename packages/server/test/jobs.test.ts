import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { addJob } from "../src/jobs/queue.ts";
import { Api, expectStatus } from "./api.ts";
import { createGroup, eventually } from "./compliance-helpers.ts";
import { enrol, queryDb, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { createTestDatabase, startTestServer, type TestServer } from "./harness.ts";

/**
 * Durable jobs: graphile-worker runs inside the server on the same database, migrates its own
 * schema, schedules Hallway's recurring tasks, and keeps jobs in PostgreSQL, so a job queued
 * before a server stops runs after the next one starts. JOBS_ENABLED=false runs none.
 */

const OPTIONS = { HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET };
let databaseUrl: string;
let first: TestServer | undefined;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
});
afterAll(async () => {
  await first?.close();
});

/** Queued (not yet completed) jobs of a task, as graphile-worker keeps them. */
async function queued(
  task: string,
): Promise<{ id: string; key: string | null; locked_by: string | null; attempts: number }[]> {
  return queryDb(
    databaseUrl,
    `SELECT j.id::text, j.key, j.locked_by, j.attempts FROM graphile_worker._private_jobs j
     JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = $1`,
    [task],
  );
}

describe("the worker inside the server", () => {
  it("migrates its own schema and schedules the recurring tasks", async () => {
    first = await startTestServer(OPTIONS, databaseUrl);
    expect(first.hallway.jobs).not.toBeNull();
    const [schema] = await queryDb(databaseUrl, "SELECT count(*)::int AS n FROM graphile_worker.migrations");
    expect(schema.n).toBeGreaterThan(0);
    const crontabs = await eventually(async () => {
      const rows = await queryDb(
        databaseUrl,
        "SELECT identifier FROM graphile_worker._private_known_crontabs",
      );
      return rows.length >= 3 ? rows.map((r) => r.identifier).sort() : undefined;
    });
    expect(crontabs).toEqual(["attachments.clean_up", "invites.remove_expired", "retention.apply"]);
  });

  it("runs a task on demand, and says so when there is no such task", async () => {
    await first!.hallway.jobs!.runNow("invites.remove_expired");
    await expect(first!.hallway.jobs!.runNow("no.such_task")).rejects.toThrow(/no such job/);
    // The on-demand run is done, and its row goes (graphile-worker records completion right
    // after the task returns); only the next scheduled tick may be waiting.
    await eventually(async () =>
      (await queued("invites.remove_expired")).every((j) => !j.key?.includes(":now:")),
    );
  });
});

describe("jobs survive a restart", () => {
  it("a job scheduled before the server stops runs after a new server starts on the same database", async () => {
    const { api: admin } = await new Api(first!.url).signInAdmin();
    const people = await enrol(first!.url, admin, [
      { externalId: "J-tess", role: "teacher", displayName: "Tess" },
    ]);
    const tess: SignedIn = people["J-tess"]!;
    const group = await createGroup(tess, "Jobs club", []);
    const invite = expectStatus(
      await tess.api.post(`/api/v1/conversations/${group.id}/invites`, { expiresInHours: 1 }),
      201,
    );
    await queryDb(databaseUrl, "UPDATE invites SET expires_at = now() - interval '1 minute' WHERE id = $1", [
      invite.id,
    ]);

    // Queued for a few seconds from now, then the server goes away before it is due.
    const jobId = await addJob(
      first!.hallway.ctx.db,
      "invites.remove_expired",
      {},
      {
        runAt: new Date(Date.now() + 3_000),
      },
    );
    await first!.close();
    first = undefined;
    expect((await queued("invites.remove_expired")).map((j) => j.id)).toContain(jobId);

    // A server that runs no jobs leaves it alone, however long it waits.
    const idle = await startTestServer({ ...OPTIONS, JOBS_ENABLED: "false" }, databaseUrl);
    try {
      expect(idle.hallway.jobs).toBeNull();
      await new Promise((r) => setTimeout(r, 4_500));
      expect((await queued("invites.remove_expired")).find((j) => j.id === jobId)).toMatchObject({
        locked_by: null,
        attempts: 0,
      });
      const [still] = await queryDb(databaseUrl, "SELECT count(*)::int AS n FROM invites WHERE id = $1", [
        invite.id,
      ]);
      expect(still.n).toBe(1);
    } finally {
      await idle.close();
    }

    // The next server with a worker runs it.
    const second = await startTestServer(OPTIONS, databaseUrl);
    try {
      await eventually(async () => !(await queued("invites.remove_expired")).some((j) => j.id === jobId));
      const [gone] = await queryDb(databaseUrl, "SELECT count(*)::int AS n FROM invites WHERE id = $1", [
        invite.id,
      ]);
      expect(gone.n).toBe(0);
    } finally {
      await second.close();
    }
    // A stopped worker holds no job.
    expect(
      await queryDb(databaseUrl, "SELECT id FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL"),
    ).toEqual([]);
  });
});

describe("configuration", () => {
  it("JOBS_ENABLED is a boolean, on by default", () => {
    expect(loadConfig({}).JOBS_ENABLED).toBe(true);
    expect(loadConfig({ JOBS_ENABLED: "false" }).JOBS_ENABLED).toBe(false);
    expect(loadConfig({ JOBS_ENABLED: "0" }).JOBS_ENABLED).toBe(false);
    expect(() => loadConfig({ JOBS_ENABLED: "sometimes" })).toThrow(ConfigError);
    expect(() => loadConfig({ JOBS_CONCURRENCY: "0" })).toThrow(/JOBS_CONCURRENCY/);
  });
});
