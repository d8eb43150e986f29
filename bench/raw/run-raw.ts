/**
 * Raw references CLI and API: this machine's bare WebSocket fan-out and PostgreSQL insert
 * limits, measured in the same run as (and printed beside) the server's benchmark figures.
 *
 *   node --import tsx bench/raw/run-raw.ts [--users 1000] [--rate 2000] [--duration 15]
 *     [--warmup 3] [--db postgres://root@127.0.0.1:5432/test] [--client-procs 0]
 *     [--max-budget 22] [--no-max] [--no-db] [--no-cpu-probe] [--json]
 *
 * The fan-out runs first and PostgreSQL after it, so WAL flushing and checkpoints from the
 * insert test cannot steal CPU from the fan-out measurement.
 */

import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type CpuProbeResult, probeCpu } from "../lib/cpu-probe.ts";
import type { LatencySummary } from "../lib/histogram.ts";
import { type PgInsertResult, runPgInsert } from "./pg-insert.ts";
import { type FanoutResult, type MaxRateOptions, runWsFanout } from "./ws-fanout.ts";

/** Options for {@link runRawReferences}. */
export interface RawOptions {
  /** Users/sockets for the fan-out. Default 1000. */
  users?: number;
  /** Messages per second for the measured fan-out phase. Default 2000. */
  rate?: number;
  /** Measured fan-out seconds. Default 15. */
  durationSec?: number;
  /** Fan-out warm-up seconds. Default 3. */
  warmupSec?: number;
  /** PostgreSQL URL; null skips the database reference. Default postgres://root@127.0.0.1:5432/test. */
  db?: string | null;
  /** Client processes for the fan-out (0 = in this process, the default). */
  clientProcesses?: number;
  /** Probe effective CPU before and after (≈1.8 s each). Default true. */
  cpuProbe?: boolean;
  /** Max-throughput ramp: false to skip, or its options (default: 22 s budget). */
  max?: false | MaxRateOptions;
  /** Progress lines (e.g. console.error); silent by default. */
  log?: (line: string) => void;
}

/** The raw references, as returned by {@link runRawReferences}. */
export interface RawReferences {
  machine: {
    cpus: number;
    cpuModel: string;
    totalMemBytes: number;
    node: string;
    platform: string;
    /**
     * CPU actually available before and after the run (see cpu-probe.ts). Compare runs only
     * when these look alike: on a shared VM "2 cores" can mean anything from ~1 to 2.
     */
    cpuBefore: CpuProbeResult | undefined;
    cpuAfter: CpuProbeResult | undefined;
  };
  fanout: FanoutResult;
  /** PostgreSQL figures, an error message if it could not run, or undefined if skipped. */
  pg: PgInsertResult | { error: string } | undefined;
  totalSec: number;
}

/** Default database of the bench machine (trust auth on loopback). */
export const DEFAULT_DB_URL = "postgres://root@127.0.0.1:5432/test";

/**
 * Runs the fan-out reference then the PostgreSQL reference and returns all figures.
 * A database failure does not lose the fan-out figures: it is reported in `pg.error`.
 */
export async function runRawReferences(options: RawOptions = {}): Promise<RawReferences> {
  const t0 = performance.now();
  const log = options.log;
  const probe = options.cpuProbe !== false;
  const cpuBefore = probe ? await probeCpu({ ms: 750 }) : undefined;
  const fanout = await runWsFanout({
    users: options.users,
    rate: options.rate,
    durationSec: options.durationSec,
    warmupSec: options.warmupSec,
    clientProcesses: options.clientProcesses,
    max: options.max === false ? false : { budgetSec: 22, ...options.max },
    log,
  });
  let pgResult: RawReferences["pg"];
  const db = options.db === undefined ? DEFAULT_DB_URL : options.db;
  if (db !== null) {
    try {
      pgResult = await runPgInsert({ url: db, log });
    } catch (err) {
      pgResult = { error: err instanceof Error ? err.message : String(err) };
    }
  }
  const cpuAfter = probe ? await probeCpu({ ms: 750 }) : undefined;
  const cpus = os.cpus();
  return {
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? "?",
      totalMemBytes: os.totalmem(),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      cpuBefore,
      cpuAfter,
    },
    fanout,
    pg: pgResult,
    totalSec: (performance.now() - t0) / 1000,
  };
}

/** Renders the references as a readable two-column table (plain text). */
export function formatRawReferences(r: RawReferences): string {
  const rows: [string, string][] = [];
  const section = (title: string) => rows.push([title, ""]);
  const row = (k: string, v: string) => rows.push([`  ${k}`, v]);
  const f = r.fanout;
  const m = f.measured;
  const o = f.options;

  section(
    `Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${mb(r.machine.totalMemBytes)} RAM, node ${r.machine.node}`,
  );
  const probe = (p: CpuProbeResult | undefined) =>
    p
      ? `${p.effectiveCores.toFixed(2)} of ${p.threads} (longest freeze ${p.maxStallMs.toFixed(0)} ms)`
      : "not probed";
  row("effective cores before / after", `${probe(r.machine.cpuBefore)} / ${probe(r.machine.cpuAfter)}`);
  section(
    `Raw fan-out: bare ws server (own process), clients ${o.clientProcesses === 0 ? "in bench process" : `in ${o.clientProcesses} processes`}`,
  );
  row(
    "traffic",
    `${o.users} users, groups of ${o.groupSize}, 1/2 group + 1/2 direct, Poisson ${o.rate}/s, ${o.durationSec} s after ${o.warmupSec} s warm-up`,
  );
  row(
    "connections held",
    `${f.connections.held} / ${f.connections.requested} (connected in ${f.connections.connectMs.toFixed(0)} ms)`,
  );
  row("messages sent/s", num(m.sentPerSec));
  row("deliveries/s", num(m.deliveriesPerSec));
  row("latency p50 / p90 / p99 / max", lat(m.latency));
  row(
    "lost / duplicate / misrouted",
    `${m.lost} / ${m.duplicates} / ${m.misrouted}${f.warmupLost ? ` (warm-up lost ${f.warmupLost})` : ""}`,
  );
  row(
    "server CPU",
    `${m.server.cpuPercent.toFixed(0)}% of one core (busiest 250 ms: ${m.server.peakIntervalCpuPercent.toFixed(0)}%)`,
  );
  row(
    "server RSS",
    `${mb(f.server.baselineRssBytes)} idle, ${mb(f.server.connectedRssBytes)} connected, ${mb(m.server.maxRssBytes)} peak under load`,
  );
  row("server memory per connection", `${(f.server.memoryPerConnectionBytes / 1024).toFixed(1)} KiB`);
  row("client CPU", `${m.clientCpuPercent.map((c) => `${c.toFixed(0)}%`).join(" + ")} of one core`);
  row(
    "machine CPU",
    `${m.machine.busyPercentOfAll.toFixed(0)}% of all cores busy; ${m.machine.unattributedPercent.toFixed(0)}% of a core outside server+clients (kernel network softirq, other processes)`,
  );
  row(
    "stalls (server loop / sender lag, max)",
    `${m.server.loopDelayMaxMs.toFixed(1)} ms / ${m.sendLagMaxMs.toFixed(1)} ms`,
  );
  if (f.max) {
    const x = f.max;
    row(
      "max sustained rate (keeps up)",
      x.sustainedRate > 0
        ? `${num(x.sustainedRate)} msg/s = ${num(x.deliveriesPerSec)} deliveries/s (p50 ${x.latency?.p50.toFixed(1)} ms, p99 ${x.latency?.p99.toFixed(1)} ms)`
        : "none kept up",
    );
    row(
      "  bar / first failure / CPU-bound side",
      `p50 ≤ ${x.p50LimitMs} ms + no loss, ${x.stepSec} s steps / ${x.firstFailingRate === undefined ? "none within budget (max is a lower bound)" : `${num(x.firstFailingRate)} msg/s / ${x.limitedBy}`}`,
    );
    row(
      `  highest rate also with p99 ≤ ${x.p99LimitMs} ms`,
      x.p99BoundRate > 0 ? `${num(x.p99BoundRate)} msg/s` : "none",
    );
    row(
      "  CPU outside server+clients (max)",
      `${x.maxUnattributedPercent.toFixed(0)}% of a core (well above ~10% per 30k deliveries/s: machine was shared)`,
    );
    row(
      "  steps (msg/s p50/p99 ms)",
      x.steps
        .map(
          (s) =>
            `${s.rate}${s.keepsUp ? "" : "✗"} ${s.figures.latency.p50.toFixed(0)}/${s.figures.latency.p99.toFixed(0)}`,
        )
        .join(", "),
    );
  }
  if (r.pg) {
    if ("error" in r.pg) {
      section(`Raw PostgreSQL: failed: ${r.pg.error}`);
    } else {
      const p = r.pg;
      section(
        `Raw PostgreSQL ${p.serverVersion} (synchronous_commit=${p.settings.synchronous_commit}, fsync=${p.settings.fsync})`,
      );
      row(
        "single-row commits/s",
        `${num(p.single.commitsPerSec)} (${p.single.connections} connections, 1 row per transaction; p50/p99 ${p.single.latency.p50.toFixed(2)}/${p.single.latency.p99.toFixed(2)} ms)`,
      );
      row(
        "multi-row rows/s",
        `${num(p.multi.rowsPerSec)} (${p.multi.rowsPerStatement} rows per INSERT, ${p.multi.connections} connections; p50/p99 ${p.multi.latency.p50.toFixed(1)}/${p.multi.latency.p99.toFixed(1)} ms per statement)`,
      );
    }
  }
  rows.push(["total time", `${r.totalSec.toFixed(1)} s`]);
  const width = Math.max(...rows.filter(([, v]) => v !== "").map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => (v === "" ? k : k.padEnd(width) + v)).join("\n");
}

function num(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}
function lat(s: LatencySummary): string {
  return `${s.p50.toFixed(2)} / ${s.p90.toFixed(2)} / ${s.p99.toFixed(2)} / ${s.max.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: "string" },
      rate: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      db: { type: "string" },
      "no-db": { type: "boolean" },
      "client-procs": { type: "string" },
      "max-budget": { type: "string" },
      "no-cpu-probe": { type: "boolean" },
      "no-max": { type: "boolean" },
      json: { type: "boolean" },
    },
    strict: true,
  });
  const n = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const result = await runRawReferences({
    users: n(values.users),
    rate: n(values.rate),
    durationSec: n(values.duration),
    warmupSec: n(values.warmup),
    db: values["no-db"] ? null : (values.db ?? DEFAULT_DB_URL),
    clientProcesses: n(values["client-procs"]),
    cpuProbe: !values["no-cpu-probe"],
    max: values["no-max"] ? false : { budgetSec: n(values["max-budget"]) ?? 22 },
    log: (line) => console.error(`[raw] ${line}`),
  });
  console.log(values.json ? JSON.stringify(result, null, 2) : formatRawReferences(result));
}

// Run only as a script, so the full benchmark can import runRawReferences without side effects.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
