/**
 * Raw PostgreSQL reference: how many chat-message rows can this machine's PostgreSQL take?
 *
 * (a) single-row INSERTs, each its own transaction (autocommit), from several concurrent
 *     connections: the commit rate bounds a server that persists every message on its own;
 * (b) multi-row INSERTs (one statement = one transaction per batch): the row rate bounds a
 *     server that batches persistence.
 *
 * Rows go into a normal (logged) table shaped like a chat message, with the same unique
 * (conversation_id, seq) index the real schema needs, in a fresh schema dropped afterwards.
 * Statements are named (prepared once per connection): this is a ceiling, not a typical ORM path.
 */

import { randomUUID } from "node:crypto";
import pg from "pg";
import { LatencyRecorder, type LatencySummary } from "../lib/histogram.ts";
import { mulberry32 } from "../lib/poisson.ts";
import { ProcessMonitor } from "../lib/process-stats.ts";
import { makeBodies } from "../lib/traffic-shape.ts";

/** Options for {@link runPgInsert}. */
export interface PgInsertOptions {
  /** Connection URL, e.g. postgres://root@127.0.0.1:5432/test. */
  url: string;
  /** Concurrent connections for single-row commits. Default 8. */
  singleConnections?: number;
  /** Measured seconds for single-row commits. Default 3. */
  singleSec?: number;
  /** Rows per multi-row INSERT. Default 500. */
  batchRows?: number;
  /** Concurrent connections for multi-row INSERTs. Default 2 (one per core). */
  batchConnections?: number;
  /** Measured seconds for multi-row INSERTs. Default 3. */
  batchSec?: number;
  /** Unmeasured lead-in before each part (connections warm, statements prepared), seconds. Default 0.5. */
  warmupSec?: number;
  /** Conversations rows are spread over. Default 200. */
  conversations?: number;
  /** Progress lines; silent by default. */
  log?: (line: string) => void;
}

/** Figures of part (a). */
export interface SingleRowFigures {
  connections: number;
  durationSec: number;
  commits: number;
  commitsPerSec: number;
  /** Per-INSERT round trip including commit, ms. */
  latency: LatencySummary;
  /** CPU % of one core used by this (client) process. */
  clientCpuPercent: number;
}

/** Figures of part (b). */
export interface MultiRowFigures {
  connections: number;
  rowsPerStatement: number;
  durationSec: number;
  statements: number;
  rows: number;
  rowsPerSec: number;
  /** Per-statement (= per transaction) time, ms. */
  latency: LatencySummary;
  clientCpuPercent: number;
}

/** Everything {@link runPgInsert} measured. */
export interface PgInsertResult {
  serverVersion: string;
  /** Settings that decide commit cost, as reported by the server. */
  settings: { synchronous_commit: string; fsync: string; wal_level: string; shared_buffers: string };
  schema: string;
  single: SingleRowFigures;
  multi: MultiRowFigures;
  /** Rows found in the table at the end (all parts, warm-ups included) — sanity check. */
  rowsInTable: number;
  totalSec: number;
}

/**
 * Runs both PostgreSQL references against `options.url` and drops its schema afterwards
 * (also on error). Load is bounded by time and goes only to the given server.
 */
export async function runPgInsert(options: PgInsertOptions): Promise<PgInsertResult> {
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const schema = `bench_raw_${process.pid}_${Date.now().toString(36)}`;
  const table = `"${schema}".messages`;
  const admin = new pg.Client({ connectionString: options.url });
  await admin.connect();
  try {
    const version =
      (await admin.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ?? "?";
    const settings = (
      await admin.query<{ name: string; setting: string }>(
        "select name, current_setting(name) as setting from unnest(array['synchronous_commit','fsync','wal_level','shared_buffers']) as name",
      )
    ).rows.reduce<Record<string, string>>((acc, r) => {
      acc[r.name] = r.setting;
      return acc;
    }, {});
    await admin.query(`create schema "${schema}"`);
    await admin.query(`create table ${table} (
			id bigserial primary key,
			conversation_id uuid not null,
			seq bigint not null,
			sender_id uuid not null,
			body text not null,
			created_at timestamptz not null default now()
		)`);
    await admin.query(`create unique index on ${table} (conversation_id, seq)`);
    log(`pg: schema ${schema} on PostgreSQL ${version} (synchronous_commit=${settings.synchronous_commit})`);

    const gen = new RowGenerator(options.conversations ?? 200, 1000);
    const warmupSec = options.warmupSec ?? 0.5;

    const single = await runSingle(
      options.url,
      table,
      gen,
      options.singleConnections ?? 8,
      options.singleSec ?? 3,
      warmupSec,
    );
    log(
      `pg: single-row ${single.commitsPerSec.toFixed(0)} commits/s (p50 ${single.latency.p50.toFixed(2)} ms)`,
    );
    const multi = await runMulti(
      options.url,
      table,
      gen,
      options.batchConnections ?? 2,
      options.batchRows ?? 500,
      options.batchSec ?? 3,
      warmupSec,
    );
    log(`pg: multi-row ${multi.rowsPerSec.toFixed(0)} rows/s (${multi.rowsPerStatement}/statement)`);

    const rowsInTable = Number(
      (await admin.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]?.n ?? 0,
    );
    return {
      serverVersion: version,
      settings: {
        synchronous_commit: settings.synchronous_commit ?? "?",
        fsync: settings.fsync ?? "?",
        wal_level: settings.wal_level ?? "?",
        shared_buffers: settings.shared_buffers ?? "?",
      },
      schema,
      single,
      multi,
      rowsInTable,
      totalSec: (performance.now() - t0) / 1000,
    };
  } finally {
    await admin.query(`drop schema if exists "${schema}" cascade`).catch(() => {});
    await admin.end().catch(() => {});
  }
}

/**
 * Produces message rows. Sequence numbers come from one in-process counter per
 * conversation, so concurrent connections never collide on the unique index (as a real
 * server's per-conversation sequencer would guarantee).
 */
class RowGenerator {
  private readonly convs: string[];
  private readonly senders: string[];
  private readonly seq: Float64Array;
  private readonly bodies: string[];
  private readonly rng = mulberry32(42);

  constructor(conversations: number, senders: number) {
    this.convs = Array.from({ length: conversations }, () => randomUUID());
    this.senders = Array.from({ length: senders }, () => randomUUID());
    this.seq = new Float64Array(conversations);
    this.bodies = makeBodies(512, this.rng);
  }

  /** Appends one row's 4 parameters (conversation_id, seq, sender_id, body) to `out`. */
  push(out: unknown[]): void {
    const c = Math.floor(this.rng() * this.convs.length);
    const s = (this.seq[c] as number) + 1;
    this.seq[c] = s;
    out.push(
      this.convs[c],
      String(s),
      this.senders[Math.floor(this.rng() * this.senders.length)],
      this.bodies[Math.floor(this.rng() * this.bodies.length)],
    );
  }
}

async function connectAll(url: string, n: number): Promise<pg.Client[]> {
  const clients = Array.from({ length: n }, () => new pg.Client({ connectionString: url }));
  await Promise.all(clients.map((c) => c.connect()));
  return clients;
}

/**
 * Closed loop per connection: each sends its next INSERT as soon as the previous commits.
 * The first `warmupSec` is run but not counted.
 */
async function runSingle(
  url: string,
  table: string,
  gen: RowGenerator,
  connections: number,
  sec: number,
  warmupSec: number,
): Promise<SingleRowFigures> {
  const clients = await connectAll(url, connections);
  try {
    const text = `insert into ${table} (conversation_id, seq, sender_id, body) values ($1, $2, $3, $4)`;
    const lat = new LatencyRecorder(1 << 15);
    const start = performance.now();
    const measureFrom = start + warmupSec * 1000;
    const end = measureFrom + sec * 1000;
    let commits = 0;
    let lastDone = end;
    let mon: ProcessMonitor | undefined;
    const monTimer = setTimeout(() => {
      mon = new ProcessMonitor(undefined, 500).start();
    }, warmupSec * 1000);
    await Promise.all(
      clients.map(async (client) => {
        for (;;) {
          const t = performance.now();
          if (t >= end) break;
          const values: unknown[] = [];
          gen.push(values);
          await client.query({ name: "bench_ins1", text, values });
          if (t >= measureFrom) {
            commits++;
            lastDone = performance.now();
            lat.record(lastDone - t);
          }
        }
      }),
    );
    clearTimeout(monTimer);
    const cpu = mon?.stop().cpuPercent ?? Number.NaN;
    // Counted INSERTs started inside [measureFrom, end) and finished by lastDone: that is the window.
    const windowSec = (lastDone - measureFrom) / 1000;
    return {
      connections,
      durationSec: windowSec,
      commits,
      commitsPerSec: commits / windowSec,
      latency: lat.summary(),
      clientCpuPercent: cpu,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
  }
}

/** Closed loop of multi-row INSERT statements (each one transaction) per connection. */
async function runMulti(
  url: string,
  table: string,
  gen: RowGenerator,
  connections: number,
  rows: number,
  sec: number,
  warmupSec: number,
): Promise<MultiRowFigures> {
  const clients = await connectAll(url, connections);
  try {
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++)
      tuples.push(`($${4 * r + 1}, $${4 * r + 2}, $${4 * r + 3}, $${4 * r + 4})`);
    const text = `insert into ${table} (conversation_id, seq, sender_id, body) values ${tuples.join(", ")}`;
    const lat = new LatencyRecorder(1 << 12);
    const start = performance.now();
    const measureFrom = start + warmupSec * 1000;
    const end = measureFrom + sec * 1000;
    let statements = 0;
    let lastDone = end;
    let mon: ProcessMonitor | undefined;
    const monTimer = setTimeout(() => {
      mon = new ProcessMonitor(undefined, 500).start();
    }, warmupSec * 1000);
    await Promise.all(
      clients.map(async (client) => {
        for (;;) {
          const t = performance.now();
          if (t >= end) break;
          const values: unknown[] = [];
          for (let r = 0; r < rows; r++) gen.push(values);
          await client.query({ name: `bench_ins${rows}`, text, values });
          if (t >= measureFrom) {
            statements++;
            lastDone = performance.now();
            lat.record(lastDone - t);
          }
        }
      }),
    );
    clearTimeout(monTimer);
    const cpu = mon?.stop().cpuPercent ?? Number.NaN;
    const windowSec = (lastDone - measureFrom) / 1000;
    return {
      connections,
      rowsPerStatement: rows,
      durationSec: windowSec,
      statements,
      rows: statements * rows,
      rowsPerSec: (statements * rows) / windowSec,
      latency: lat.summary(),
      clientCpuPercent: cpu,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
  }
}
