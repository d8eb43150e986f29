import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { openDatabase } from "../packages/server/src/postgres/database.ts";
import {
  MessageWriter,
  type NewMessage,
  writeBatch,
} from "../packages/server/src/postgres/message-writer.ts";
import { migrateToLatest } from "../packages/server/src/postgres/migrate.ts";
import { startSearchIndexUpkeep } from "../packages/server/src/postgres/search-index-upkeep.ts";
import { NO_PUBLISHER } from "../packages/server/src/realtime/event-publisher.ts";
import { withBenchDatabase } from "./lib/bench-database.ts";
import { LatencyRecorder } from "./lib/histogram.ts";
import { driveSchedule, mulberry32, poissonSchedule } from "./lib/poisson.ts";
import { databaseCpuSampler, sampleSelf } from "./lib/process-stats.ts";
import { groupCount, groupOf, makeBodies, partnerOf } from "./lib/traffic-shape.ts";

/**
 * `node --import tsx bench/writer.ts`: the batched writer alone, without sockets, on the
 * school-day traffic (1,000 users, class groups of 30, direct pairs, half and half): Poisson
 * sends at --rate for --duration seconds after --warmup, each awaited to its commit. Prints the
 * ack latency, the batch sizes and the CPU of node and of PostgreSQL. `--explain N`
 * also prints, after the load, EXPLAIN ANALYZE of one batch of N sends (rolled back), triggers
 * included. `--sql "…"` (repeatable) runs a statement before the load, for experiments.
 */
const { values } = parseArgs({
  options: {
    users: { type: "string", default: "1000" },
    rate: { type: "string", default: "2000" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    connections: { type: "string" },
    explain: { type: "string" },
    sql: { type: "string", multiple: true, default: [] },
  },
});
const users = Number(values.users);
const rate = Number(values.rate);
const durationSec = Number(values.duration);
const warmupSec = Number(values.warmup);

await withBenchDatabase("hallway_writer_bench", async (url) => {
  const database = openDatabase(url, 10);
  try {
    await migrateToLatest(database.db);
    const db = database.db;
    const { rows: people } = await sql<{ id: string }>`
      INSERT INTO users (username, display_name, role)
      SELECT 'writer' || i, 'Writer ' || i, 'teacher' FROM generate_series(0, ${users - 1}) i
      RETURNING id`.execute(db);
    const userIds = people.map((p) => p.id);
    const groups: string[] = [];
    for (let g = 0; g < groupCount(users); g++) {
      const { rows } = await sql<{ id: string }>`
        INSERT INTO conversations (kind, name) VALUES ('group', ${`Class ${g}`}) RETURNING id`.execute(db);
      const id = rows[0]!.id;
      groups.push(id);
      const members = userIds.slice(g * 30, g * 30 + 30);
      await sql`INSERT INTO members (conversation_id, user_id) SELECT ${id}, unnest(${members}::uuid[])`.execute(
        db,
      );
    }
    const directs: string[] = new Array(users);
    for (let u = 0; u < users; u++) {
      if (directs[u]) continue;
      const p = partnerOf(u, users);
      const { rows } = await sql<{ id: string }>`
        INSERT INTO conversations (kind, direct_key) VALUES ('direct', ${`${userIds[u]}:${userIds[p]}`}) RETURNING id`.execute(
        db,
      );
      const id = rows[0]!.id;
      directs[u] = id;
      if (partnerOf(p, users) === u) directs[p] = id;
      await sql`INSERT INTO members (conversation_id, user_id) VALUES (${id}, ${userIds[u]}), (${id}, ${userIds[p]})
        ON CONFLICT DO NOTHING`.execute(db);
    }
    await sql`VACUUM ANALYZE`.execute(db);
    // Experiments: statements to run before the load (e.g. an index setting).
    for (const statement of values.sql) await sql.raw(statement).execute(db);

    const rng = mulberry32(20261121);
    const bodies = makeBodies(512, rng);
    let n = 0;
    const send = (): NewMessage => {
      const sender = Math.floor(rng() * users);
      const group = rng() < 0.5;
      return {
        conversationId: group ? groups[groupOf(sender)]! : directs[sender]!,
        senderId: userIds[sender]!,
        clientId: `c${n++}-${Math.random()}`,
        text: `${n}|${Date.now()}|${bodies[n % bodies.length]}`,
      };
    };

    // As the server does (app.ts): the search index's pending list is cleaned off the send path.
    const upkeep = process.env.WRITER_NO_UPKEEP ? null : startSearchIndexUpkeep(db, 2_000, console.error);
    const batches: number[] = [];
    const writer = new MessageWriter(database.writerPool, NO_PUBLISHER, {
      connections: values.connections ? Number(values.connections) : undefined,
      onBatch: (size) => batches.push(size),
      onError: (error) => console.error(error),
    });
    const schedule = poissonSchedule(rate, warmupSec + durationSec, rng);
    const latency = new LatencyRecorder(1 << 16);
    const pgCpu = await databaseCpuSampler(url);
    let startPg = 0;
    let startSelf = sampleSelf();
    let startAt = 0;
    const measuring = setTimeout(() => {
      startPg = pgCpu.sample();
      startSelf = sampleSelf();
      startAt = performance.now();
      batches.length = 0;
    }, warmupSec * 1000);
    const pending: Promise<void>[] = [];
    await driveSchedule(schedule, (i) => {
      const at = performance.now();
      const measured = (schedule[i] as number) >= warmupSec * 1000;
      pending.push(
        writer.send(send()).then((outcome) => {
          if (!outcome.ok) throw outcome.error;
          if (measured) latency.record(performance.now() - at);
        }),
      );
    });
    clearTimeout(measuring);
    const wall = (performance.now() - startAt) / 1000;
    const endSelf = sampleSelf();
    const endPg = pgCpu.sample();
    await Promise.all(pending);
    await upkeep?.stop();
    const s = latency.summary();
    const mean = batches.reduce((a, b) => a + b, 0) / Math.max(1, batches.length);
    const cpu = (a: number) => `${((a / wall) * 100).toFixed(0)}%`;
    console.log(
      [
        `writer alone: ${rate} msg/s for ${durationSec} s (${users} users, groups of 30, direct pairs)`,
        `ack latency   p50 ${s.p50.toFixed(1)} ms  p90 ${s.p90.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  max ${s.max.toFixed(1)} ms`,
        `batches       ${batches.length} (${(batches.length / wall).toFixed(0)}/s), mean ${mean.toFixed(1)} sends`,
        `CPU           node ${cpu(endSelf.userSec + endSelf.systemSec - startSelf.userSec - startSelf.systemSec)}  PostgreSQL ${pgCpu.known ? cpu(endPg - startPg) : "—"} (of one core)`,
        `PostgreSQL    ${pgCpu.known ? `${(((endPg - startPg) / latency.count) * 1e6).toFixed(0)} µs a message, ${(((endPg - startPg) / batches.length) * 1e6).toFixed(0)} µs a batch` : "—"}`,
      ].join("\n"),
    );
    if (values.explain) {
      // After the load, so the tables and indexes hold what a running server's do.
      // One batch through the writer's own statement, inside a transaction that is rolled back.
      const batch = Array.from({ length: Number(values.explain) }, send);
      const ids = batch.map(() => randomUUID());
      const statement = writeBatch(batch, ids, new Date());
      const client = await database.writerPool.connect();
      try {
        await client.query("BEGIN");
        // A named statement runs on a generic plan after its first executions: show that plan.
        await client.query("SET LOCAL plan_cache_mode = force_generic_plan");
        const { rows } = await client.query<{ "QUERY PLAN": string }>(
          `EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`,
          statement.values,
        );
        console.log(rows.map((r) => r["QUERY PLAN"]).join("\n"));
      } finally {
        await client.query("ROLLBACK");
        client.release();
      }
    }
  } finally {
    await database.close();
  }
});
