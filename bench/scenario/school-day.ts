import os from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { HallwayClient } from "@hallway/client";
import WebSocket from "ws";
import { LatencyRecorder, type LatencySummary } from "../lib/histogram.ts";
import { driveSchedule, mulberry32, poissonSchedule } from "../lib/poisson.ts";
import {
  databaseCpuSampler,
  machineBetween,
  ProcessMonitor,
  sampleMachine,
  sampleProcess,
} from "../lib/process-stats.ts";
import {
  DEFAULT_GROUP_SIZE,
  expectedDeliveries,
  groupOf,
  groupRange,
  makeBodies,
  partnerOf,
} from "../lib/traffic-shape.ts";
import type { School } from "./school.ts";

export interface SchoolDayOptions {
  url: string;
  serverPid: number;
  /** The server's database, to measure PostgreSQL's CPU too (when it runs on this machine). */
  databaseUrl?: string;
  school: School;
  users: number;
  rate: number;
  durationSec: number;
  warmupSec: number;
  groupSize?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface SchoolDayFigures {
  connections: { requested: number; held: number; connectMs: number };
  sent: number;
  acked: number;
  acksPerSec: number;
  ackLatency: LatencySummary;
  expectedDeliveries: number;
  delivered: number;
  deliveriesPerSec: number;
  lost: number;
  duplicates: number;
  latency: LatencySummary;
  sendLagMaxMs: number;
  server: {
    cpuPercent: number;
    peakIntervalCpuPercent: number;
    maxRssBytes: number;
    idleRssBytes: number;
    connectedRssBytes: number;
    memoryPerConnectionBytes: number;
  };
  loadGeneratorCpuPercent: number;
  /** PostgreSQL's CPU over the measured window (% of one core); null when it cannot be seen. */
  databaseCpuPercent: number | null;
  /** The whole machine's busy CPU over the window (% of one core; 200 = both cores). */
  machineCpuPercent: number;
  /** The server's batched writer over the window (its /metrics): commits a second, sends per commit. */
  writer: {
    batchesPerSec: number;
    meanBatch: number;
    /**
     * The statement's time, from taking a connection to the commit: the bucket bounds (ms) under
     * which half and 99% of the window's commits fell, and how many took over 100 ms.
     */
    commitMs: { p50: number; p99: number; over100: number };
  } | null;
  /**
   * Event-loop delay over the window (p99, max, ms, beyond a 10 ms timer's period): the
   * server's (from its /metrics) and the load generator's.
   */
  loopDelay: { server: [number, number] | null; loadGenerator: [number, number] };
  /** The 1-minute load average before and after the run: other work on the machine. */
  loadAverage: { before: number; after: number };
}

const now = () => performance.timeOrigin + performance.now();

/**
 * The "school day": every user connected through the client SDK, class groups of 30 and one
 * direct partner each; Poisson sends at `rate`, half to the class group and half to the
 * partner, each payload carrying the sender's timestamp. Measures acknowledgements,
 * deliveries, end-to-end latency, loss and duplicates, and the server's CPU and memory.
 */
export async function runSchoolDay(options: SchoolDayOptions): Promise<SchoolDayFigures> {
  const { users, rate, durationSec, warmupSec, school, log = () => {} } = options;
  const groupSize = options.groupSize ?? DEFAULT_GROUP_SIZE;
  const rng = mulberry32(options.seed ?? 20261121);
  const schedule = poissonSchedule(rate, warmupSec + durationSec, rng);
  const senders = new Uint32Array(schedule.length);
  const kinds = new Uint8Array(schedule.length); // 1 = class group, 0 = direct
  for (let i = 0; i < schedule.length; i++) {
    senders[i] = Math.floor(rng() * users);
    kinds[i] = rng() < 0.5 ? 1 : 0;
  }
  const bodies = makeBodies(512, rng);
  const measuredFrom = warmupSec * 1000;
  const measured = (i: number) => (schedule[i] as number) >= measuredFrom;

  // seen[i * groupSize + receiver offset]: one byte per (message, possible receiver) spots duplicates.
  const seen = new Uint8Array(schedule.length * groupSize);
  const latency = new LatencyRecorder(1 << 20);
  const ackLatency = new LatencyRecorder(1 << 16);
  let delivered = 0;
  let duplicates = 0;
  let acked = 0;

  const idleRssBytes = sampleProcess(options.serverPid).rssBytes;
  const clients = school.sessions.map(
    () =>
      new HallwayClient({
        baseUrl: options.url,
        WebSocket: WebSocket as never,
        clientName: "bench",
        requestTimeoutMs: 60_000,
      }),
  );
  clients.forEach((client, receiver) => {
    client.useSession(school.sessions[receiver]!);
    client.on("message.created", (message) => {
      if (message.senderId === client.userId || message.kind !== "text") return;
      const at = now();
      const bar = message.text.indexOf("|");
      const i = Number(message.text.slice(0, bar));
      const sentAt = Number(message.text.slice(bar + 1, message.text.indexOf("|", bar + 1)));
      const sender = senders[i]!;
      const offset =
        kinds[i] === 1 ? receiver - groupRange(groupOf(sender, groupSize), users, groupSize).first : 0;
      const slot = i * groupSize + offset;
      if (seen[slot]) {
        duplicates++;
        return;
      }
      seen[slot] = 1;
      if (!measured(i)) return;
      delivered++;
      latency.record(at - sentAt);
    });
  });

  log(`connecting ${users} clients…`);
  const connectStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < clients.length) await clients[next++]!.connect();
    }),
  );
  const connectMs = performance.now() - connectStart;
  await new Promise((r) => setTimeout(r, 1_000));
  const connectedRssBytes = sampleProcess(options.serverPid).rssBytes;
  const held = clients.filter((c) => c.state === "open").length;
  log(
    `${held} connected in ${Math.round(connectMs)} ms; sending ${schedule.length} messages over ${warmupSec + durationSec} s`,
  );

  const database = options.databaseUrl ? await databaseCpuSampler(options.databaseUrl) : null;
  const loadBefore = os.loadavg()[0]!;
  let serverMonitor: ProcessMonitor | undefined;
  let selfMonitor: ProcessMonitor | undefined;
  let databaseStart = 0;
  let machineStart = sampleMachine();
  let writerStart: Promise<WriterCounters | null> = Promise.resolve(null);
  const selfLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const startMeasuring = setTimeout(() => {
    writerStart = writerCounters(options.url);
    selfLoop.enable();
    serverMonitor = new ProcessMonitor(options.serverPid, 250).start();
    selfMonitor = new ProcessMonitor(undefined, 250).start();
    databaseStart = database?.sample() ?? 0;
    machineStart = sampleMachine();
  }, measuredFrom);
  const acks: Promise<void>[] = [];
  const drive = await driveSchedule(schedule, (i) => {
    const sender = senders[i]!;
    const conversationId =
      kinds[i] === 1
        ? school.groupConversation[groupOf(sender, groupSize)]!
        : school.directConversation[sender]!;
    const sentAt = now();
    const text = `${i}|${sentAt}|${bodies[i % bodies.length]}`;
    acks.push(
      clients[sender]!.send(conversationId, text).then(() => {
        if (!measured(i)) return;
        acked++;
        ackLatency.record(now() - sentAt);
      }),
    );
  });
  clearTimeout(startMeasuring);
  const server = serverMonitor!.stop();
  const self = selfMonitor!.stop();
  const databaseCpuSec = (database?.sample() ?? 0) - databaseStart;
  selfLoop.disable();
  const [writerBefore, writerAfter] = await Promise.all([writerStart, writerCounters(options.url)]);
  const machine = machineBetween(machineStart, sampleMachine());

  let expected = 0;
  let sent = 0;
  for (let i = 0; i < schedule.length; i++) {
    if (!measured(i)) continue;
    sent++;
    const sender = senders[i]!;
    expected +=
      kinds[i] === 1
        ? expectedDeliveries("g", sender, users, groupSize)
        : partnerOf(sender, users) === sender
          ? 0
          : 1;
  }
  const drainUntil = Date.now() + 10_000;
  await Promise.race([Promise.all(acks), new Promise((r) => setTimeout(r, 10_000))]);
  while (delivered < expected && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 100));
  for (const client of clients) client.disconnect();

  return {
    connections: { requested: users, held, connectMs },
    sent,
    acked,
    acksPerSec: acked / durationSec,
    ackLatency: ackLatency.summary(),
    expectedDeliveries: expected,
    delivered,
    deliveriesPerSec: delivered / durationSec,
    lost: expected - delivered,
    duplicates,
    latency: latency.summary(),
    sendLagMaxMs: drive.maxLagMs,
    server: {
      cpuPercent: server.cpuPercent,
      peakIntervalCpuPercent: server.peakIntervalCpuPercent,
      maxRssBytes: server.maxRssBytes,
      idleRssBytes,
      connectedRssBytes,
      memoryPerConnectionBytes: held > 0 ? (connectedRssBytes - idleRssBytes) / held : 0,
    },
    loadGeneratorCpuPercent: self.cpuPercent,
    databaseCpuPercent: database?.known ? (databaseCpuSec / server.wallSec) * 100 : null,
    machineCpuPercent: machine.busyPercentOfOneCore,
    loopDelay: {
      server: writerAfter ? [writerAfter.loopDelayP99Ms, writerAfter.loopDelayMaxMs] : null,
      loadGenerator: [
        Math.max(0, selfLoop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
        Math.max(0, selfLoop.max / 1e6 - LOOP_RESOLUTION_MS),
      ],
    },
    writer:
      writerBefore && writerAfter && writerAfter.batches > writerBefore.batches
        ? {
            batchesPerSec: (writerAfter.batches - writerBefore.batches) / server.wallSec,
            meanBatch:
              (writerAfter.messages - writerBefore.messages) / (writerAfter.batches - writerBefore.batches),
            commitMs: commitTimes(writerBefore.commitBuckets, writerAfter.commitBuckets),
          }
        : null,
    loadAverage: { before: loadBefore, after: os.loadavg()[0]! },
  };
}

/** The event-loop delay timers' period (prom-client's default): delays are reported beyond it. */
const LOOP_RESOLUTION_MS = 10;

interface WriterCounters {
  batches: number;
  messages: number;
  /** The server's event-loop delay since the previous scrape (prom-client resets it), ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** The commit-time histogram's cumulative counts by upper bound (seconds). */
  commitBuckets: Map<number, number>;
}

/** Percentiles (as bucket bounds, ms) of the commits between two scrapes of the histogram. */
function commitTimes(before: Map<number, number>, after: Map<number, number>) {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const within = (le: number) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const total = within(Number.POSITIVE_INFINITY);
  const bound = (share: number) => {
    const le = bounds.find((b) => within(b) >= share * total) ?? Number.POSITIVE_INFINITY;
    return le * 1000;
  };
  const at100 = bounds.find((b) => b >= 0.1);
  return { p50: bound(0.5), p99: bound(0.99), over100: at100 === undefined ? 0 : total - within(at100) };
}

/** The writer's commits and messages so far, from the server's Prometheus metrics. */
async function writerCounters(url: string): Promise<WriterCounters | null> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
    const counters = {
      batches: value("hallway_writer_batch_size_count"),
      messages: value("hallway_writer_batch_size_sum"),
      // prom-client samples with a 10 ms timer and reports its whole period.
      loopDelayP99Ms: Math.max(
        0,
        value("hallway_nodejs_eventloop_lag_p99_seconds") * 1000 - LOOP_RESOLUTION_MS,
      ),
      loopDelayMaxMs: Math.max(
        0,
        value("hallway_nodejs_eventloop_lag_max_seconds") * 1000 - LOOP_RESOLUTION_MS,
      ),
    };
    const commitBuckets = new Map<number, number>();
    for (const [, le, count] of text.matchAll(
      /^hallway_writer_commit_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm,
    ))
      commitBuckets.set(le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), Number(count));
    return Number.isFinite(counters.batches) && Number.isFinite(counters.messages)
      ? { ...counters, commitBuckets }
      : null;
  } catch {
    return null;
  }
}
