/**
 * Raw fan-out reference: how fast can a bare `ws` server on this machine fan chat messages
 * out with the school-day traffic shape? The real server's figures are read against these.
 *
 * Layout: the bare server (ws-fanout-server.ts) runs in its own node process, as the real
 * server would, and is measured through /proc. Client sockets live in one or more "fleets",
 * either inside this process (clientProcesses = 0) or in child processes.
 *
 * Traffic: N users, groups of 30 by index, one direct partner each; Poisson arrivals at
 * rate R, each from a random user, half to the sender's group (size-1 deliveries) and half
 * to the partner (1 delivery). A warm-up phase (not reported) precedes the measured phase;
 * an optional ramp then searches the highest rate that still meets a latency/loss bar.
 */

import { fileURLToPath } from "node:url";
import { delay, forkTs, RpcClient, stopChild, waitForMessage } from "../lib/child.ts";
import { LatencyRecorder, type LatencySummary } from "../lib/histogram.ts";
import { machineBetween, ProcessMonitor, sampleMachine, sampleProcess } from "../lib/process-stats.ts";
import { DEFAULT_GROUP_SIZE } from "../lib/traffic-shape.ts";
import {
  type ConnectReport,
  FanoutFleet,
  type FleetConfig,
  type PhaseSpec,
  type ReceiveReport,
  type SendReport,
} from "./fanout-fleet.ts";

/** Options for {@link runWsFanout}; every field has a default matching the scenario. */
export interface FanoutOptions {
  /** Connected users (sockets). Default 1000. */
  users?: number;
  /** Class-group size. Default 30. */
  groupSize?: number;
  /** Total messages per second across all users. Default 2000. */
  rate?: number;
  /** Measured phase length, seconds. Default 15. */
  durationSec?: number;
  /** Unreported warm-up at the same rate before measuring (JIT, socket buffers), seconds. Default 3. */
  warmupSec?: number;
  /**
   * Where client sockets live: 0 = in this process (default: on 2 cores a third busy process
   * only adds contention; see bench/raw/README.md), k > 0 = split across k child processes.
   */
  clientProcesses?: number;
  /** How long to wait after the last send for outstanding deliveries before counting them lost, ms. Default 2000. */
  drainTimeoutMs?: number;
  /** Seed for schedules and sender choice. Default 1. */
  seed?: number;
  /** Run the max-throughput ramp after the measured phase (default on); false to skip. */
  max?: false | MaxRateOptions;
  /** Progress lines (e.g. console.error); silent by default. */
  log?: (line: string) => void;
}

/** Options of the max-throughput ramp. */
export interface MaxRateOptions {
  /** Wall-clock budget for the whole ramp, seconds. Default 25. */
  budgetSec?: number;
  /**
   * "Keeps up" bar that drives the ramp: a step fails when its median end-to-end latency
   * exceeds this (ms) or deliveries are still missing 1 s after the last send. Default 10.
   * The median, not p99, because on a shared VM whole-machine stalls of 50–250 ms hit a
   * short step's p99 at any load, while real overload builds a backlog that lifts the median.
   */
  p50LimitMs?: number;
  /** Latency bar reported alongside: the highest step that also kept p99 under this, ms. Default 25. */
  p99LimitMs?: number;
  /** Length of each step, seconds. Default 2. */
  stepSec?: number;
  /** First rate tried. Default: factor × the measured rate if that kept up, else the measured rate. */
  startRate?: number;
  /** Multiplicative step while no failure has been seen. Default 1.4. */
  factor?: number;
  /** Stop bisecting when failing/passing rates are within this ratio. Default 1.08. */
  resolution?: number;
}

/** Figures of one sending phase (the measured phase or a ramp step). */
export interface PhaseFigures {
  targetRate: number;
  durationSec: number;
  sent: number;
  sentPerSec: number;
  /** Arrivals not sent because the sender's socket was closed. */
  skipped: number;
  expectedDeliveries: number;
  /** Unique, correctly routed deliveries that arrived before the drain timeout. */
  delivered: number;
  deliveriesPerSec: number;
  /** Expected deliveries that never arrived (or arrived after the drain timeout). */
  lost: number;
  duplicates: number;
  misrouted: number;
  /** End-to-end latency: receiver clock − sender timestamp, ms. */
  latency: LatencySummary;
  /** Worst per-fleet p99 / max of send lateness vs. schedule, ms: the generator's own health. */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** Time after the last send until all expected deliveries had arrived (or the timeout), ms. */
  drainMs: number;
  server: {
    /** Average CPU over the send window, % of one core. */
    cpuPercent: number;
    peakIntervalCpuPercent: number;
    maxRssBytes: number;
    framesIn: number;
    deliveriesOut: number;
    /** Server event-loop delay over the phase (includes drain), ms: spikes here are server-side stalls. */
    loopDelayP99Ms: number;
    loopDelayMaxMs: number;
  };
  /** CPU % of one core per client process over the send window (the bench process itself when clientProcesses = 0). */
  clientCpuPercent: number[];
  /** Whole machine over the send window. */
  machine: {
    /** Busy share of all cores, % (100 = all busy). */
    busyPercentOfAll: number;
    /**
     * Busy CPU not charged to the server or client processes, % of one core: kernel
     * softirq work for loopback TCP, plus any other process running on the machine.
     */
    unattributedPercent: number;
    stealPercent: number;
  };
}

/** One step of the max-throughput ramp. */
export interface MaxStep {
  rate: number;
  /** Met the "keeps up" bar (median latency, no loss). */
  keepsUp: boolean;
  /** Also kept p99 under the latency bar. */
  meetsP99: boolean;
  /** Why it did not keep up ("" if it did). */
  reason: string;
  figures: PhaseFigures;
}

/** Result of the max-throughput ramp. */
export interface MaxRateFigures {
  /** Highest target rate (messages/s) that kept up (median ≤ p50LimitMs, nothing lost); 0 if none did. */
  sustainedRate: number;
  /** Deliveries/s at that rate. */
  deliveriesPerSec: number;
  /** Latency at that rate. */
  latency: LatencySummary | undefined;
  /** Highest rate tried that kept up AND had p99 ≤ p99LimitMs (stall-sensitive); 0 if none. */
  p99BoundRate: number;
  /** Lowest rate that did not keep up, if one was found. */
  firstFailingRate: number | undefined;
  /**
   * What ran out at the first failing step: "server" / "clients" / "both" (that process used
   * ≥ 80% of a core), "machine" (neither did, but all cores were ≥ 90% busy: kernel network
   * work and other processes took the rest), or "unclear". If "clients", the figure is a
   * lower bound of what the bare server could do with clients elsewhere.
   */
  limitedBy: "server" | "clients" | "both" | "machine" | "unclear";
  /**
   * Highest busy CPU outside server and clients during any step, % of one core. Our own
   * loopback softirq accounts for some (≈10% of a core per 30k deliveries/s); much more means
   * other processes shared the machine and the max figures understate it.
   */
  maxUnattributedPercent: number;
  p50LimitMs: number;
  p99LimitMs: number;
  stepSec: number;
  elapsedSec: number;
  steps: MaxStep[];
}

/** Everything {@link runWsFanout} measured. */
export interface FanoutResult {
  options: {
    users: number;
    groupSize: number;
    rate: number;
    durationSec: number;
    warmupSec: number;
    clientProcesses: number;
  };
  connections: { requested: number; held: number; failed: number; connectMs: number };
  server: {
    pid: number;
    /** RSS after start and a GC, before any connection. */
    baselineRssBytes: number;
    /** RSS with all connections open and idle, after a GC. */
    connectedRssBytes: number;
    /** (connected − baseline) / connections held. */
    memoryPerConnectionBytes: number;
  };
  /** Loss in the warm-up phase (figures otherwise discarded). */
  warmupLost: number;
  measured: PhaseFigures;
  max: MaxRateFigures | undefined;
  totalSec: number;
}

/** Uniform view of a fleet, in-process or in a child. */
interface FleetHandle {
  /** pid to sample for CPU; undefined = this process. */
  pid: number | undefined;
  connect(): Promise<ConnectReport>;
  prepare(id: number): Promise<void>;
  start(spec: PhaseSpec): Promise<SendReport>;
  status(id: number): Promise<{ unique: number }>;
  collect(id: number): Promise<ReceiveReport>;
  close(): Promise<void>;
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const isReady = (m: unknown): m is { type: "ready"; port?: number } =>
  typeof m === "object" && m !== null && (m as { type?: unknown }).type === "ready";

/**
 * Runs the raw fan-out reference: starts a bare ws server child, connects the clients,
 * warms up, measures at the given rate, optionally ramps to the maximum sustainable rate,
 * and tears everything down (also on error). All traffic is on 127.0.0.1.
 */
export async function runWsFanout(options: FanoutOptions = {}): Promise<FanoutResult> {
  const users = options.users ?? 1000;
  const groupSize = options.groupSize ?? DEFAULT_GROUP_SIZE;
  const rate = options.rate ?? 2000;
  const durationSec = options.durationSec ?? 15;
  const warmupSec = options.warmupSec ?? 3;
  const clientProcesses = Math.max(0, Math.floor(options.clientProcesses ?? 0));
  const drainTimeoutMs = options.drainTimeoutMs ?? 2000;
  const seed = options.seed ?? 1;
  const maxOpts = options.max === false ? undefined : (options.max ?? {});
  const log = options.log ?? (() => {});
  const t0 = performance.now();

  // Children die by themselves after this, even if this process is killed hard.
  const lifetimeMs = (warmupSec + durationSec + (maxOpts?.budgetSec ?? 25) + 90) * 1000;

  const serverChild = forkTs(
    here("./ws-fanout-server.ts"),
    [String(users), String(groupSize), String(lifetimeMs)],
    {
      // BENCH_SERVER_NODE_ARGS (e.g. "--trace-gc") is a diagnosis hook for server-side stalls.
      nodeArgs: ["--expose-gc", ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [])],
    },
  );
  const children = [serverChild];
  const fleets: FleetHandle[] = [];
  try {
    const ready = await waitForMessage(serverChild, isReady, 20_000);
    const server = new RpcClient(serverChild);
    const serverPid = serverChild.pid as number;
    const url = `ws://127.0.0.1:${ready.port}/`;
    log(`fan-out: bare ws server pid ${serverPid} on ${url}`);

    await server.call("gc");
    await delay(200);
    const baselineRssBytes = sampleProcess(serverPid).rssBytes;

    const fleetCount = Math.max(1, clientProcesses);
    for (let k = 0; k < fleetCount; k++) {
      const cfg: FleetConfig = { url, users, groupSize, fleetIndex: k, fleetCount, seed };
      if (clientProcesses === 0) {
        fleets.push(localFleet(cfg));
      } else {
        const child = forkTs(here("./fanout-fleet-child.ts"), [String(lifetimeMs)]);
        children.push(child);
        await waitForMessage(child, isReady, 20_000);
        fleets.push(await childFleet(child, cfg));
      }
    }

    const conn = await Promise.all(fleets.map((f) => f.connect()));
    const requested = conn.reduce((a, c) => a + c.requested, 0);
    const failed = conn.reduce((a, c) => a + c.failed, 0);
    const connectMs = Math.max(...conn.map((c) => c.ms));
    await delay(300);
    const held = (await server.call<{ connections: number }>("stats")).connections;
    await server.call("gc");
    await delay(300);
    const connectedRssBytes = sampleProcess(serverPid).rssBytes;
    log(`fan-out: ${held}/${requested} connections held (${connectMs.toFixed(0)} ms to connect)`);

    const ctx: PhaseContext = { fleets, server, serverPid };
    let phaseId = 1;
    log(`fan-out: warm-up ${warmupSec}s at ${rate}/s`);
    const warm = await runPhase(ctx, phaseId++, rate, warmupSec, drainTimeoutMs);
    log(`fan-out: measuring ${durationSec}s at ${rate}/s`);
    const measured = await runPhase(ctx, phaseId++, rate, durationSec, drainTimeoutMs);
    log(
      `fan-out: ${measured.deliveriesPerSec.toFixed(0)} deliveries/s, p50 ${measured.latency.p50.toFixed(2)} ms, p99 ${measured.latency.p99.toFixed(2)} ms`,
    );

    let max: MaxRateFigures | undefined;
    if (maxOpts) {
      const p50LimitMs = maxOpts.p50LimitMs ?? 10;
      const p99LimitMs = maxOpts.p99LimitMs ?? 25;
      const measuredPass = keepsUp(measured, p50LimitMs) === "";
      const factor = maxOpts.factor ?? 1.4;
      const startRate = maxOpts.startRate ?? Math.round(measuredPass ? rate * factor : rate);
      max = await rampToMax(
        ctx,
        () => phaseId++,
        { ...maxOpts, p50LimitMs, p99LimitMs, factor, startRate },
        log,
      );
    }

    return {
      options: { users, groupSize, rate, durationSec, warmupSec, clientProcesses },
      connections: { requested, held, failed, connectMs },
      server: {
        pid: serverPid,
        baselineRssBytes,
        connectedRssBytes,
        memoryPerConnectionBytes: held > 0 ? (connectedRssBytes - baselineRssBytes) / held : Number.NaN,
      },
      warmupLost: warm.lost,
      measured,
      max,
      totalSec: (performance.now() - t0) / 1000,
    };
  } finally {
    await Promise.allSettled(fleets.map((f) => f.close()));
    await Promise.allSettled(children.map((c) => stopChild(c)));
  }
}

interface PhaseContext {
  fleets: FleetHandle[];
  server: RpcClient;
  serverPid: number;
}

interface ServerStats {
  framesIn: number;
  deliveriesOut: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** Runs one sending phase on all fleets at once and gathers its figures. */
async function runPhase(
  ctx: PhaseContext,
  id: number,
  rate: number,
  durationSec: number,
  drainTimeoutMs: number,
): Promise<PhaseFigures> {
  const { fleets, server, serverPid } = ctx;
  // Every fleet must track the phase before anyone sends in it, or early deliveries would be "stray".
  await Promise.all(fleets.map((f) => f.prepare(id)));
  const before = await server.call<ServerStats>("stats", true);
  const serverMon = new ProcessMonitor(serverPid, 250).start();
  const clientMons = fleets.map((f) => new ProcessMonitor(f.pid, 250).start());
  const machineBefore = sampleMachine();
  // Superposed Poisson processes are Poisson: each fleet sends rate/F and the total is rate.
  const sends = await Promise.all(
    fleets.map((f) => f.start({ id, ratePerSec: rate / fleets.length, durationSec })),
  );
  const serverCpu = serverMon.stop();
  const clientCpu = clientMons.map((m) => m.stop().cpuPercent);
  const machine = machineBetween(machineBefore, sampleMachine());
  const expected = sends.reduce((a, s) => a + s.expectedDeliveries, 0);

  const drainStart = performance.now();
  for (;;) {
    const unique = (await Promise.all(fleets.map((f) => f.status(id)))).reduce((a, s) => a + s.unique, 0);
    if (unique >= expected || performance.now() - drainStart > drainTimeoutMs) break;
    await delay(10);
  }
  const drainMs = performance.now() - drainStart;
  const recvs = await Promise.all(fleets.map((f) => f.collect(id)));
  const after = await server.call<ServerStats>("stats");

  const lat = new LatencyRecorder(recvs.reduce((a, r) => a + r.latencies.length, 0) + 16);
  for (const r of recvs) lat.merge(r.latencies);
  const sent = sends.reduce((a, s) => a + s.sent, 0);
  const delivered = recvs.reduce((a, r) => a + r.unique, 0);
  return {
    targetRate: rate,
    durationSec,
    sent,
    sentPerSec: sent / durationSec,
    skipped: sends.reduce((a, s) => a + s.skipped, 0),
    expectedDeliveries: expected,
    delivered,
    deliveriesPerSec: delivered / durationSec,
    lost: Math.max(0, expected - delivered),
    duplicates: recvs.reduce((a, r) => a + r.duplicates, 0),
    misrouted: recvs.reduce((a, r) => a + r.misrouted, 0),
    latency: lat.summary(),
    sendLagP99Ms: Math.max(...sends.map((s) => s.sendLag.p99)),
    sendLagMaxMs: Math.max(...sends.map((s) => s.sendLag.max)),
    drainMs,
    server: {
      cpuPercent: serverCpu.cpuPercent,
      peakIntervalCpuPercent: serverCpu.peakIntervalCpuPercent,
      maxRssBytes: serverCpu.maxRssBytes,
      framesIn: after.framesIn - before.framesIn,
      deliveriesOut: after.deliveriesOut - before.deliveriesOut,
      loopDelayP99Ms: after.loopDelayP99Ms,
      loopDelayMaxMs: after.loopDelayMaxMs,
    },
    clientCpuPercent: clientCpu,
    machine: {
      busyPercentOfAll: machine.busyPercentOfAll,
      unattributedPercent:
        machine.busyPercentOfOneCore - serverCpu.cpuPercent - clientCpu.reduce((a, c) => a + c, 0),
      stealPercent: machine.stealPercentOfOneCore,
    },
  };
}

/** "" if a phase kept up with its offered load, else why not. */
function keepsUp(f: PhaseFigures, p50LimitMs: number): string {
  const reasons: string[] = [];
  if (f.lost > 0) reasons.push(`${f.lost} deliveries lost or still missing after drain`);
  if (f.duplicates > 0 || f.misrouted > 0) reasons.push(`${f.duplicates} dup, ${f.misrouted} misrouted`);
  if (!(f.latency.p50 <= p50LimitMs)) reasons.push(`p50 ${f.latency.p50.toFixed(1)} ms > ${p50LimitMs}`);
  return reasons.join("; ");
}

/**
 * Geometric ramp until a step fails to keep up, then bisection between the best pass and
 * the lowest failure, within a wall-clock budget. Steps are short, so a failure leaves only
 * a small backlog, drained before the next step.
 */
async function rampToMax(
  ctx: PhaseContext,
  nextId: () => number,
  o: MaxRateOptions & { p50LimitMs: number; p99LimitMs: number; factor: number; startRate: number },
  log: (line: string) => void,
): Promise<MaxRateFigures> {
  const budgetMs = (o.budgetSec ?? 25) * 1000;
  const stepSec = o.stepSec ?? 2;
  const resolution = o.resolution ?? 1.08;
  const t0 = performance.now();
  const steps: MaxStep[] = [];
  let lo: MaxStep | undefined;
  let hi: MaxStep | undefined;
  let rate = o.startRate;
  // Rough cost of one step beyond its send window (drain, collect, settle): keeps us inside the budget.
  const overheadMs = 800;
  while (performance.now() - t0 + stepSec * 1000 + overheadMs <= budgetMs && rate >= 50) {
    const figures = await runPhase(ctx, nextId(), rate, stepSec, 1000);
    const reason = keepsUp(figures, o.p50LimitMs);
    const pass = reason === "";
    const step: MaxStep = {
      rate,
      keepsUp: pass,
      meetsP99: pass && figures.latency.p99 <= o.p99LimitMs,
      reason,
      figures,
    };
    steps.push(step);
    log(
      `fan-out max: ${rate}/s → ${pass ? "keeps up" : "FAILS"}: p50 ${figures.latency.p50.toFixed(1)} p99 ${figures.latency.p99.toFixed(1)} ms; server ${figures.server.cpuPercent.toFixed(0)}% cpu (loop stall max ${figures.server.loopDelayMaxMs.toFixed(0)} ms); clients ${figures.clientCpuPercent.map((c) => c.toFixed(0)).join("+")}% cpu (send lag max ${figures.sendLagMaxMs.toFixed(0)} ms); machine ${figures.machine.busyPercentOfAll.toFixed(0)}% busy, ${figures.machine.unattributedPercent.toFixed(0)}% unattributed ${reason}`,
    );
    if (pass) {
      if (!lo || rate > lo.rate) lo = step;
    } else {
      if (!hi || rate < hi.rate) hi = step;
      // Let any backlog from the overload flush before measuring again.
      await delay(500);
    }
    if (!hi) rate = Math.round(rate * o.factor);
    else if (!lo) rate = Math.round(rate / o.factor);
    else if (hi.rate / lo.rate <= resolution) break;
    else rate = Math.round((lo.rate + hi.rate) / 2);
  }
  let limitedBy: MaxRateFigures["limitedBy"] = "unclear";
  if (hi) {
    const f = hi.figures;
    const serverBusy = f.server.cpuPercent >= 80;
    const clientsBusy = f.clientCpuPercent.some((c) => c >= 80);
    const machineBusy = f.machine.busyPercentOfAll >= 90;
    if (serverBusy && clientsBusy) limitedBy = "both";
    else if (serverBusy) limitedBy = "server";
    else if (clientsBusy) limitedBy = "clients";
    else if (machineBusy) limitedBy = "machine";
  }
  const p99Ok = steps.filter((s) => s.meetsP99).map((s) => s.rate);
  return {
    sustainedRate: lo?.rate ?? 0,
    deliveriesPerSec: lo?.figures.deliveriesPerSec ?? 0,
    latency: lo?.figures.latency,
    p99BoundRate: p99Ok.length > 0 ? Math.max(...p99Ok) : 0,
    firstFailingRate: hi?.rate,
    limitedBy,
    maxUnattributedPercent: Math.max(0, ...steps.map((s) => s.figures.machine.unattributedPercent)),
    p50LimitMs: o.p50LimitMs,
    p99LimitMs: o.p99LimitMs,
    stepSec,
    elapsedSec: (performance.now() - t0) / 1000,
    steps,
  };
}

function localFleet(cfg: FleetConfig): FleetHandle {
  const fleet = new FanoutFleet(cfg);
  return {
    pid: undefined,
    connect: () => fleet.connect(),
    prepare: async (id) => fleet.prepare(id),
    start: (spec) => fleet.start(spec),
    status: async (id) => fleet.status(id),
    collect: async (id) => fleet.collect(id),
    close: async () => fleet.close(),
  };
}

async function childFleet(
  child: import("node:child_process").ChildProcess,
  cfg: FleetConfig,
): Promise<FleetHandle> {
  const rpc = new RpcClient(child);
  await rpc.call("init", cfg);
  return {
    pid: child.pid,
    connect: () => rpc.call<ConnectReport>("connect"),
    prepare: (id) => rpc.call<void>("prepare", id),
    start: (spec) => rpc.call<SendReport>("start", spec, (spec.durationSec + 30) * 1000),
    status: (id) => rpc.call<{ unique: number }>("status", id),
    collect: (id) => rpc.call<ReceiveReport>("collect", id),
    close: () => rpc.call<void>("close", undefined, 5000),
  };
}
