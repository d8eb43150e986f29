/**
 * A fleet of WebSocket clients for the raw fan-out reference: holds one socket per owned
 * user, sends Poisson-timed messages from random owned users, and checks every delivery it
 * receives (right recipient, not a duplicate, end-to-end latency).
 *
 * Several fleets can split the users (user u belongs to fleet u % fleetCount), each in its own
 * process; message ids encode the sending fleet, so any fleet can account for deliveries
 * from any other without coordination. Works in-process too (the coordinator calls the
 * methods directly) — see fanout-fleet-child.ts for the out-of-process wrapper.
 */

import { type RawData, WebSocket } from "ws";
import { LatencyRecorder, type LatencySummary } from "../lib/histogram.ts";
import { driveSchedule, mulberry32, poissonSchedule, type Rng } from "../lib/poisson.ts";
import { expectedDeliveries, isRecipient, makeBodies } from "../lib/traffic-shape.ts";

/** Static configuration of one fleet. */
export interface FleetConfig {
  /** Server URL, e.g. ws://127.0.0.1:PORT/ (the fleet appends ?u=<index>). */
  url: string;
  users: number;
  groupSize: number;
  fleetIndex: number;
  fleetCount: number;
  /** Seed for sender/kind/body choice and the Poisson schedule (offset per fleet). */
  seed: number;
  /** Sockets opened concurrently while connecting; bounded so the listen backlog never overflows. */
  connectConcurrency?: number;
}

/** One sending phase of this fleet. */
export interface PhaseSpec {
  /** Phase id carried in every message (so late deliveries are attributed to their phase). */
  id: number;
  /** This fleet's share of the total message rate, per second. */
  ratePerSec: number;
  durationSec: number;
}

/** Outcome of connecting. */
export interface ConnectReport {
  requested: number;
  connected: number;
  failed: number;
  ms: number;
}

/** What this fleet sent in a phase. */
export interface SendReport {
  phase: number;
  /** Messages written to a socket. */
  sent: number;
  /** Arrivals skipped because the sender's socket was not open. */
  skipped: number;
  /** Sum over sent messages of the deliveries they should cause (in all fleets). */
  expectedDeliveries: number;
  /** Wall time from schedule start to the last send, seconds. */
  wallSec: number;
  /** Lateness of sends versus the Poisson schedule: high values mean the generator fell behind. */
  sendLag: LatencySummary;
}

/** What this fleet received for a phase. */
export interface ReceiveReport {
  phase: number;
  /** Distinct (message, recipient) deliveries to the right recipient. */
  unique: number;
  duplicates: number;
  /** Deliveries to a socket that should not have received the message. */
  misrouted: number;
  /** End-to-end latencies (receiver clock − sender timestamp), ms, one per unique delivery. */
  latencies: Float64Array;
}

/** Per-phase receive bookkeeping. */
interface PhaseRx {
  unique: number;
  duplicates: number;
  misrouted: number;
  lat: LatencyRecorder;
  /**
   * Bit (messageId * users + receiver) is set once that delivery was seen: exact duplicate
   * detection with no per-delivery allocation (a Set would churn the GC we are measuring under).
   */
  seen: Uint8Array;
}

/** Delivery frame as written by ws-fanout-server.ts. */
interface Delivery {
  k: "g" | "d";
  f: number;
  i: number;
  p: number;
  s: number;
}

/** Client-side load generator and delivery checker; see the module comment. */
export class FanoutFleet {
  private readonly sockets: (WebSocket | undefined)[];
  private readonly owned: number[] = [];
  private readonly phases = new Map<number, PhaseRx>();
  private readonly rng: Rng;
  private readonly bodies: string[];
  /** Deliveries for phases not (or no longer) tracked: should stay 0. */
  stray = 0;

  constructor(private readonly cfg: FleetConfig) {
    this.sockets = new Array(cfg.users);
    for (let u = cfg.fleetIndex; u < cfg.users; u += cfg.fleetCount) this.owned.push(u);
    this.rng = mulberry32(cfg.seed * 7919 + cfg.fleetIndex);
    this.bodies = makeBodies(512, this.rng);
  }

  /** Opens one socket per owned user, at most `connectConcurrency` in flight. */
  async connect(): Promise<ConnectReport> {
    const t0 = performance.now();
    const concurrency = this.cfg.connectConcurrency ?? 64;
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next < this.owned.length) {
        const u = this.owned[next++] as number;
        try {
          this.sockets[u] = await this.open(u);
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, this.owned.length) }, worker));
    return {
      requested: this.owned.length,
      connected: this.owned.length - failed,
      failed,
      ms: performance.now() - t0,
    };
  }

  /** Starts tracking deliveries of phase `id`. Call on every fleet before any fleet sends in it. */
  prepare(id: number): void {
    this.phases.set(id, {
      unique: 0,
      duplicates: 0,
      misrouted: 0,
      lat: new LatencyRecorder(1 << 16),
      seen: new Uint8Array(1 << 20),
    });
  }

  /** Sends this fleet's share of a phase on a Poisson schedule; resolves after the last send. */
  async start(spec: PhaseSpec): Promise<SendReport> {
    const { users, groupSize, fleetCount, fleetIndex } = this.cfg;
    const schedule = poissonSchedule(spec.ratePerSec, spec.durationSec, this.rng);
    const lag = new LatencyRecorder(schedule.length + 16);
    let seq = 0;
    let skipped = 0;
    let expected = 0;
    const owned = this.owned;
    const res = await driveSchedule(
      schedule,
      () => {
        const u = owned[Math.floor(this.rng() * owned.length)] as number;
        let kind: "g" | "d" = this.rng() < 0.5 ? "g" : "d";
        // A one-member group has nobody to deliver to: send that message direct instead.
        if (kind === "g" && expectedDeliveries("g", u, users, groupSize) === 0) kind = "d";
        const ws = this.sockets[u];
        if (ws === undefined || ws.readyState !== WebSocket.OPEN) {
          skipped++;
          return;
        }
        // Ids interleave fleets, so they are unique across all fleets of a phase.
        const i = seq++ * fleetCount + fleetIndex;
        const b = this.bodies[i % this.bodies.length];
        // Timestamp on the shared wall-clock axis (timeOrigin + now) so other processes can compare.
        ws.send(JSON.stringify({ k: kind, i, p: spec.id, s: performance.timeOrigin + performance.now(), b }));
        expected += expectedDeliveries(kind, u, users, groupSize);
      },
      { lag },
    );
    return {
      phase: spec.id,
      sent: seq,
      skipped,
      expectedDeliveries: expected,
      wallSec: (res.endedAt - res.startedAt) / 1000,
      sendLag: lag.summary(),
    };
  }

  /** Unique deliveries seen so far for phase `id` (for drain polling). */
  status(id: number): { unique: number } {
    return { unique: this.phases.get(id)?.unique ?? 0 };
  }

  /** Returns and forgets the receive bookkeeping of phase `id`. */
  collect(id: number): ReceiveReport {
    const ph = this.phases.get(id);
    this.phases.delete(id);
    if (!ph) return { phase: id, unique: 0, duplicates: 0, misrouted: 0, latencies: new Float64Array(0) };
    return {
      phase: id,
      unique: ph.unique,
      duplicates: ph.duplicates,
      misrouted: ph.misrouted,
      latencies: ph.lat.values(),
    };
  }

  /** Closes every socket (terminate: no closing handshake to wait for). */
  close(): void {
    for (const ws of this.sockets) ws?.terminate();
    this.sockets.fill(undefined);
  }

  private open(u: number): Promise<WebSocket> {
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${this.cfg.url}?u=${u}`, {
        perMessageDeflate: false,
        handshakeTimeout: 10_000,
        // The generator is not under test: skip UTF-8 checks to leave more CPU to the server.
        skipUTF8Validation: true,
      });
      const onError = (err: Error) => reject(err);
      ws.once("error", onError);
      ws.once("open", () => {
        ws.off("error", onError);
        ws.on("error", () => {
          // Counted by the coordinator as lost deliveries; nothing to do per socket.
        });
        ws.on("message", (data) => this.onMessage(u, data));
        resolve(ws);
      });
    });
  }

  private onMessage(r: number, data: RawData): void {
    // Clock first: parsing is part of what the receiver pays, but not of transit.
    const now = performance.timeOrigin + performance.now();
    const m = JSON.parse((data as Buffer).toString("utf8")) as Delivery;
    const ph = this.phases.get(m.p);
    if (!ph) {
      this.stray++;
      return;
    }
    const { users, groupSize } = this.cfg;
    if (!isRecipient(m.k, m.f, r, users, groupSize)) {
      ph.misrouted++;
      return;
    }
    const bit = m.i * users + r;
    const byte = Math.floor(bit / 8);
    if (byte >= ph.seen.length) {
      let cap = ph.seen.length * 2;
      while (cap <= byte) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(ph.seen);
      ph.seen = grown;
    }
    const mask = 1 << (bit & 7);
    if ((ph.seen[byte] as number) & mask) {
      ph.duplicates++;
      return;
    }
    ph.seen[byte] = (ph.seen[byte] as number) | mask;
    ph.unique++;
    ph.lat.record(now - m.s);
  }
}
