/**
 * Child-process entry: the bare `ws` fan-out server used as the raw reference.
 *
 * It does the minimum a chat server must do per message, and nothing else: parse the
 * client's JSON send frame, pick recipients from the sender's (connection-bound) identity,
 * stamp a per-conversation sequence number, JSON-encode the delivery ONCE into a Buffer and
 * write that same Buffer to every recipient socket. No auth, no storage, no presence, so its
 * figures are a ceiling for the real server on the same machine.
 *
 * Usage (forked by ws-fanout.ts): ws-fanout-server.ts <users> <groupSize> <maxLifetimeMs>
 * Sends {type:"ready", port} over IPC once listening on 127.0.0.1 (ephemeral port).
 */

import { monitorEventLoopDelay } from "node:perf_hooks";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import { exitWithParent, serveRpc } from "../lib/child.ts";
import { groupCount, groupOf, groupRange, partnerOf } from "../lib/traffic-shape.ts";

const users = Number(process.argv[2] ?? 1000);
const groupSize = Number(process.argv[3] ?? 30);
exitWithParent(Number(process.argv[4] ?? 120_000));

const sockets: (WebSocket | undefined)[] = new Array(users);
const groups = groupCount(users, groupSize);
// One counter per conversation: groups first, then one per direct pair (keyed by its lower index).
const convSeq = new Float64Array(groups + users);
let framesIn = 0;
let deliveriesOut = 0;
let badFrames = 0;
let connections = 0;
// Event-loop stalls of the server itself: tells a server-side hiccup from a client-side one.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

/** Client → server send frame. */
interface SendFrame {
  k: "g" | "d";
  i: number;
  p: number;
  s: number;
  b: string;
}

function onSend(from: number, data: RawData): void {
  framesIn++;
  let m: SendFrame;
  try {
    m = JSON.parse((data as Buffer).toString("utf8")) as SendFrame;
  } catch {
    badFrames++;
    return;
  }
  const isGroup = m.k === "g";
  const partner = partnerOf(from, users);
  const conv = isGroup ? groupOf(from, groupSize) : groups + Math.min(from, partner);
  const q = (convSeq[conv] as number) + 1;
  convSeq[conv] = q;
  // Encode once: every recipient gets the very same bytes.
  const out = Buffer.from(JSON.stringify({ k: m.k, f: from, c: conv, q, i: m.i, p: m.p, s: m.s, b: m.b }));
  if (isGroup) {
    const { first, size } = groupRange(groupOf(from, groupSize), users, groupSize);
    for (let r = first; r < first + size; r++) {
      if (r !== from) deliver(r, out);
    }
  } else {
    deliver(partner, out);
  }
}

function deliver(r: number, out: Buffer): void {
  const ws = sockets[r];
  if (ws === undefined || ws.readyState !== WebSocket.OPEN) return;
  // binary:false keeps it a text frame (as JSON chat frames are) without re-encoding a string.
  ws.send(out, { binary: false });
  deliveriesOut++;
}

const wss = new WebSocketServer({
  host: "127.0.0.1",
  port: 0,
  // Defaults made explicit: compression would dominate CPU and hide the fan-out cost.
  perMessageDeflate: false,
  // We keep our own index → socket table; ws's Set would be redundant work.
  clientTracking: false,
  backlog: 2048,
  maxPayload: 64 * 1024,
});

wss.on("connection", (ws, req) => {
  const u = Number(new URL(req.url ?? "/", "http://x").searchParams.get("u"));
  if (!Number.isInteger(u) || u < 0 || u >= users) {
    ws.close(1008, "bad user");
    return;
  }
  sockets[u] = ws;
  connections++;
  ws.on("message", (data) => onSend(u, data));
  ws.on("error", () => {
    // A reset socket is a client-side event in a bench; 'close' follows and cleans up.
  });
  ws.on("close", () => {
    if (sockets[u] === ws) sockets[u] = undefined;
    connections--;
  });
});

wss.on("listening", () => {
  const addr = wss.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  process.send?.({ type: "ready", port });
});

serveRpc({
  /** Counters since start; the coordinator diffs them around a phase. */
  stats: (reset?: boolean) => {
    const out = {
      framesIn,
      deliveriesOut,
      badFrames,
      connections,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
    };
    if (reset) loopDelay.reset();
    return out;
  },
  /** Full GC (needs --expose-gc), so memory-per-connection compares live heaps, not garbage. */
  gc: () => {
    (globalThis as { gc?: () => void }).gc?.();
    return true;
  },
});
