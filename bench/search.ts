import type { AddressInfo } from "node:net";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { SearchMessagesQuery } from "@hallway/protocol";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { buildApp } from "../packages/server/src/app.ts";
import { loadConfig } from "../packages/server/src/config.ts";
import type { Database } from "../packages/server/src/postgres/schema.ts";
import { issueSession } from "../packages/server/src/services/auth/issue-session.ts";
import { searchMessages } from "../packages/server/src/services/search/search-messages.ts";
import { withBenchDatabase } from "./lib/bench-database.ts";
import { percentileOfSorted } from "./lib/histogram.ts";
import { databaseCpuClock, describeSearcher, type Searcher, SHAPES, timeSearch } from "./search/queries.ts";
import { seedSearchSchool } from "./search/seed.ts";

/**
 * `npm run bench:search`: seeds a school with a million messages into a database of its own,
 * then times searches of different shapes through the real HTTP endpoint, as people with few
 * conversations (students, parents) and many (teachers), and prints p50/p95/p99 per shape and
 * overall, the seed time and the index sizes. The target: p95 under 100 ms.
 *
 *   --messages 1000000 --users 1000 --conversations 2000   the school
 *   --queries 25      queries per shape and kind of searcher
 *   --explain         print EXPLAIN ANALYZE of one query per shape
 *   --json            the figures as JSON on stdout
 */
const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "1000000" },
    users: { type: "string", default: "1000" },
    conversations: { type: "string", default: "2000" },
    queries: { type: "string", default: "25" },
    searchers: { type: "string", default: "20" },
    explain: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const log = (line: string) => console.error(`[bench:search] ${line}`);
const TARGET_P95_MS = 100;

/** Deterministic randomness for choosing queries (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  shape: string;
  who: "few" | "many";
  ms: number[];
  /** CPU per query: the database's backends plus this process (server and client), ms. */
  cpuMs: number[];
  results: number[];
}

interface Report {
  postgres: string;
  where: string;
  seed: Awaited<ReturnType<typeof seedSearchSchool>>;
  rows: Row[];
  queriesSeconds: number;
  searchers: Record<"few" | "many", { conversations: number; readable: number }>;
  loadBefore: number[];
  loadAfter: number[];
  cpus: number;
  totalSeconds: number;
}

async function main() {
  const loadBefore = os.loadavg();
  const started = performance.now();
  const figures = await withBenchDatabase("hallway_bench_search", async (databaseUrl, where) => {
    log(`database: ${where}`);
    const hallway = await buildApp({
      config: loadConfig({
        LOG_LEVEL: "silent",
        HALLWAY_ADMIN_PASSWORD: "bench-admin-password",
        JOBS_ENABLED: "false",
        DATABASE_POOL_SIZE: "10",
        PORT: "0",
      }),
      databaseUrl,
    });
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows: version } = await client.query<{ v: string }>(
        "SELECT current_setting('server_version') AS v",
      );
      log(`seeding ${Number(values.messages).toLocaleString("en-US")} messages…`);
      const seed = await seedSearchSchool(client, {
        users: Number(values.users),
        conversations: Number(values.conversations),
        messages: Number(values.messages),
        log,
      });
      await hallway.app.listen({ port: 0, host: "127.0.0.1" });
      const baseUrl = `http://127.0.0.1:${(hallway.app.server.address() as AddressInfo).port}`;

      // Searchers: teachers (many conversations), students and parents (few).
      const random = prng(7);
      const count = Number(values.searchers);
      const choose = (roles: string[]) =>
        seed.users
          .filter((u) => roles.includes(u.role))
          .sort(() => random() - 0.5)
          .slice(0, count);
      const searchers: Record<"few" | "many", Searcher[]> = { few: [], many: [] };
      for (const [who, roles] of [
        ["many", ["teacher"]],
        ["few", ["student", "parent"]],
      ] as const) {
        for (const user of choose([...roles])) {
          const session = await issueSession(hallway.ctx, user.id, "password");
          searchers[who].push(await describeSearcher(client, user.id, session.accessToken));
        }
      }

      // Warm up (connections, caches, the planner's statistics), then measure in a shuffled order.
      for (let i = 0; i < 30; i++) {
        const s = searchers.few[i % searchers.few.length]!;
        await timeSearch(baseUrl, s, SHAPES["common word"]!(s, random));
      }
      const clock = await databaseCpuClock(client);
      const rows = new Map<string, Row>();
      const tasks: Array<{ shape: string; who: "few" | "many" }> = [];
      for (const shape of Object.keys(SHAPES))
        for (const who of ["few", "many"] as const)
          for (let i = 0; i < Number(values.queries); i++) tasks.push({ shape, who });
      tasks.sort(() => random() - 0.5);
      const queriesStarted = performance.now();
      for (const { shape, who } of tasks) {
        const searcher = searchers[who][Math.floor(random() * searchers[who].length)]!;
        const timing = await timeSearch(baseUrl, searcher, SHAPES[shape]!(searcher, random), clock);
        const key = `${shape}|${who}`;
        const row = rows.get(key) ?? { shape, who, ms: [], cpuMs: [], results: [] };
        row.ms.push(timing.ms);
        if (timing.databaseCpuMs !== null) row.cpuMs.push(timing.databaseCpuMs + timing.nodeCpuMs);
        row.results.push(timing.results);
        rows.set(key, row);
      }
      const queriesSeconds = (performance.now() - queriesStarted) / 1000;

      if (values.explain) await explain(hallway.ctx, databaseUrl, searchers.many[0]!, random);
      return {
        postgres: version[0]!.v,
        where,
        seed,
        rows: [...rows.values()],
        queriesSeconds,
        searchers: {
          few: summary(searchers.few),
          many: summary(searchers.many),
        },
      };
    } finally {
      await client.end();
      await hallway.close();
    }
  });
  const loadAfter = os.loadavg();
  const report: Report = {
    ...figures,
    loadBefore,
    loadAfter,
    cpus: os.cpus().length,
    totalSeconds: (performance.now() - started) / 1000,
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(format(report));
}

function summary(searchers: Searcher[]) {
  const avg = (f: (s: Searcher) => number) => searchers.reduce((sum, s) => sum + f(s), 0) / searchers.length;
  return { conversations: avg((s) => s.conversations), readable: avg((s) => s.readable) };
}

function percentiles(values: number[]) {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

function format(report: Report): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const n = (v: number) => Math.round(v).toLocaleString("en-US");
  const mib = (v: number) => `${(v / 1024 / 1024).toFixed(0)} MiB`;
  const { seed } = report;
  const lines: string[] = [];
  lines.push(
    `Search: ${n(seed.messages)} messages, ${n(seed.users.length)} users, ${n(seed.memberships)} memberships; PostgreSQL ${report.postgres}, ${report.where}`,
  );
  lines.push(
    `Machine: ${report.cpus} CPUs, load average ${report.loadBefore.map((l) => l.toFixed(1)).join(" ")} before, ${report.loadAfter.map((l) => l.toFixed(1)).join(" ")} after`,
  );
  lines.push(
    `Seed: ${seed.seconds.total.toFixed(0)} s (directory ${seed.seconds.directory.toFixed(1)} s, messages ${seed.seconds.messages.toFixed(0)} s, indexes ${seed.seconds.indexes.toFixed(0)} s, VACUUM ANALYZE ${seed.seconds.vacuum.toFixed(0)} s)`,
  );
  lines.push(
    `Sizes: messages table ${mib(seed.tableBytes)}; indexes ${Object.entries(seed.indexBytes)
      .map(([name, bytes]) => `${name} ${mib(bytes)}`)
      .join(", ")}`,
  );
  lines.push(
    `Searchers: "few" ${report.searchers.few.conversations.toFixed(0)} conversations, ${n(report.searchers.few.readable)} readable messages on average; "many" ${report.searchers.many.conversations.toFixed(0)} conversations, ${n(report.searchers.many.readable)} messages`,
  );
  lines.push("");
  const table: string[][] = [
    ["shape", "searcher", "queries", "p50", "p95", "p99", "max", "CPU p50", "CPU p95", "results (avg)"],
  ];
  const allCpu: number[] = [];
  const cpu = (values: number[], p: "p50" | "p95") => (values.length > 0 ? ms(percentiles(values)[p]) : "—");
  const all: number[] = [];
  for (const row of report.rows.sort(
    (a, b) => a.shape.localeCompare(b.shape) || a.who.localeCompare(b.who),
  )) {
    const p = percentiles(row.ms);
    all.push(...row.ms);
    allCpu.push(...row.cpuMs);
    table.push([
      row.shape,
      row.who,
      String(row.ms.length),
      ms(p.p50),
      ms(p.p95),
      ms(p.p99),
      ms(p.max),
      cpu(row.cpuMs, "p50"),
      cpu(row.cpuMs, "p95"),
      (row.results.reduce((a, b) => a + b, 0) / row.results.length).toFixed(1),
    ]);
  }
  const overall = percentiles(all);
  table.push([
    "overall",
    "",
    String(all.length),
    ms(overall.p50),
    ms(overall.p95),
    ms(overall.p99),
    ms(overall.max),
    cpu(allCpu, "p50"),
    cpu(allCpu, "p95"),
    "",
  ]);
  const width = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const row of table) lines.push(row.map((cell, c) => cell.padEnd(width[c]!)).join("  "));
  lines.push("");
  lines.push(
    "p50…max: wall time of the HTTP round trip, one query at a time. CPU: what a query cost the database's backends plus this process (server and client), from /proc; wall time beyond it was spent waiting for a CPU, on a busy machine.",
  );
  lines.push(
    `Target p95 < ${TARGET_P95_MS} ms: ${overall.p95 < TARGET_P95_MS ? "met" : "NOT met"} (overall p95 ${ms(overall.p95)}${allCpu.length > 0 ? `, CPU p95 ${cpu(allCpu, "p95")}` : ""}); queries took ${report.queriesSeconds.toFixed(0)} s, the whole run ${report.totalSeconds.toFixed(0)} s.`,
  );
  return lines.join("\n");
}

/** EXPLAIN ANALYZE of the main query of one search per shape, as the service sends it. */
async function explain(
  ctx: Parameters<typeof searchMessages>[0],
  databaseUrl: string,
  searcher: Searcher,
  random: () => number,
): Promise<void> {
  const captured: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === "query") captured.push(event.query);
    },
  });
  try {
    for (const [shape, make] of Object.entries(SHAPES)) {
      const query = make(searcher, random);
      captured.length = 0;
      await searchMessages(
        { ...ctx, db },
        { kind: "user", userId: searcher.userId, role: "teacher", sessionId: "" },
        SearchMessagesQuery.parse(query.params),
      );
      const main = captured.find((q) => q.sql.includes("FROM messages m"));
      if (!main) continue;
      const { rows } = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${main.sql}`, [
        ...main.parameters,
      ]);
      console.error(`\n--- ${shape}: ${JSON.stringify(query.params)}`);
      console.error(rows.map((r) => r["QUERY PLAN"]).join("\n"));
    }
  } finally {
    await db.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
