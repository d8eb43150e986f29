import { HallwayClient } from "@hallway/client";
import { CLOSE_CODES } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Connection } from "../../src/realtime/connection.ts";
import {
  collectGarbage,
  createGroup,
  createUsers,
  RawClient,
  type RealtimeServer,
  sleep,
  startRealtimeServer,
  type TestUser,
  uniqueName,
  until,
  wsUrl,
} from "./helpers.ts";

/**
 * A device that stops reading (a phone in a tunnel, a frozen tab) must not make the server hold
 * every message for it: past WS_MAX_BUFFERED_BYTES its socket is closed with 4001 ("reconnect
 * and resume"), and everyone else in the conversation carries on.
 */

const BOUND = 64 * 1024;
let server: RealtimeServer;
beforeAll(async () => {
  server = await startRealtimeServer({
    WS_MAX_BUFFERED_BYTES: String(BOUND),
    WS_RATE_PER_SECOND: "10000",
    WS_RATE_BURST: "10000",
  });
});
afterAll(() => server?.close());

/** The server's connections of a user. */
function connectionsOf(user: TestUser): Connection[] {
  return [...(server.hallway.hub.connectionsByUser.get(user.id) ?? [])];
}

/** A socket that follows its conversations, then stops reading: the kernel buffers fill, then the server's. */
async function stalledClient(user: TestUser): Promise<RawClient> {
  const client = await RawClient.connect(server, user.session.accessToken);
  await client.call("session.resume", {});
  (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  return client;
}

/**
 * Sends messages without keeping the replies (they carry the text): `count` messages of
 * `size` characters, at most `window` in flight.
 */
async function push(
  user: TestUser,
  conversationId: string,
  count: number,
  size: number,
  stop?: () => boolean,
) {
  const ws = new WebSocket(wsUrl(server, { v: "1", token: user.session.accessToken }));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const waiting = new Map<string, () => void>();
  ws.on("message", (data) => {
    const text = String(data);
    if (!text.startsWith('{"re"')) return;
    const frame = JSON.parse(text);
    if (!frame.ok) throw new Error(`send failed: ${text.slice(0, 300)}`);
    waiting.get(String(frame.re))?.();
    waiting.delete(String(frame.re));
  });
  const filler = "x".repeat(size - 12);
  let sent = 0;
  const window = 100;
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < count && !stop?.(); i++) {
    const id = String(i);
    const done = new Promise<void>((resolve) => waiting.set(id, resolve));
    inFlight.add(done);
    done.then(() => inFlight.delete(done));
    ws.send(
      JSON.stringify({
        id,
        cmd: "message.send",
        data: {
          conversationId,
          clientId: `push-${conversationId.slice(0, 8)}-${i}`,
          text: `${String(i).padStart(10, "0")} ${filler}`,
        },
      }),
    );
    sent++;
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  ws.close();
  return sent;
}

/** A normal reader: the SDK, keeping only the seqs it was shown. */
async function reader(user: TestUser, conversationId: string) {
  const client = new HallwayClient({ baseUrl: server.url, WebSocket: WebSocket as never });
  client.useSession(user.session);
  const seqs: number[] = [];
  client.on("message.created", (m) => {
    if (m.conversationId === conversationId) seqs.push(m.seq);
  });
  await client.connect();
  return { client, seqs };
}

function footprint(): { heap: number; external: number; rss: number } {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss };
}

const MB = 1024 * 1024;

describe("slow consumers", () => {
  it("a socket that stops reading in a busy conversation is closed with 4001 while the others get everything", async () => {
    const [writer, normal, slow] = await createUsers(server, ["writer", "normal", "slow"].map(uniqueName));
    const conversationId = await createGroup(writer!, [normal!, slow!], "Busy");
    const { client: normalClient, seqs } = await reader(normal!, conversationId);
    const stalled = await stalledClient(slow!);
    const [connection] = connectionsOf(slow!);
    expect(connection).toBeDefined();

    // Messages of 4,000 characters until the server gives up on the stalled socket.
    const sent = await push(writer!, conversationId, 5_000, 4_000, () => connection!.closed);
    expect(connection!.closed).toBe(true);
    expect(sent).toBeLessThan(5_000);

    // The client reads again: it finds what was buffered, then the close frame with 4001.
    (stalled.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await stalled.closed).code).toBe(CLOSE_CODES.SLOW_CONSUMER);
    await until(() => connectionsOf(slow!).length === 0, "the slow connection to leave the hub");
    const received = stalled.events("message.created").map((m) => m.seq);
    expect(received.length).toBeLessThan(sent);
    expect(received).toEqual(received.map((_, i) => i + 2)); // in order, no gaps, up to where it stopped

    // The normal reader got every message.
    await expect.poll(() => seqs.length, { timeout: 20_000 }).toBe(sent);
    expect(seqs).toEqual(seqs.map((_, i) => i + 2));
    normalClient.disconnect();
  }, 60_000);

  it("five stalled sockets while 20 MB of messages go by: server memory stays bounded", async () => {
    const names = ["mem-writer", "mem-normal", "mem-s1", "mem-s2", "mem-s3", "mem-s4", "mem-s5"].map(
      uniqueName,
    );
    const [writer, normal, ...slow] = await createUsers(server, names);
    const conversationId = await createGroup(writer!, [normal!, ...slow], "Very busy");
    const { client: normalClient, seqs } = await reader(normal!, conversationId);
    const stalled = await Promise.all(slow.map(stalledClient));
    expect(slow.every((user) => connectionsOf(user).length === 1)).toBe(true);

    await collectGarbage();
    const before = footprint();
    let peak = before;
    const sampler = setInterval(() => {
      const now = footprint();
      if (now.heap + now.external > peak.heap + peak.external) peak = now;
    }, 50);

    const count = 2_500;
    const size = 8_000;
    const pushed = count * size; // 20 MB of text, each message sent to 5 stalled sockets
    await push(writer!, conversationId, count, size);
    await expect.poll(() => seqs.length, { timeout: 30_000 }).toBe(count);
    expect(seqs).toEqual(seqs.map((_, i) => i + 2));
    clearInterval(sampler);

    // The server closed every stalled socket; the stalled clients themselves still hold on.
    for (const user of slow)
      await until(() => connectionsOf(user).length === 0, "a stalled socket to be dropped");
    expect(stalled.every((client) => client.ws.readyState === WebSocket.OPEN)).toBe(true);

    await collectGarbage();
    const after = footprint();
    const growth = after.heap + after.external - (before.heap + before.external);
    const peakGrowth = peak.heap + peak.external - (before.heap + before.external);
    console.info(
      `slow consumers: pushed ${(pushed / MB).toFixed(1)} MB to 5 stalled + 1 normal socket; ` +
        `heap+external growth after GC ${(growth / MB).toFixed(1)} MB (heap ${((after.heap - before.heap) / MB).toFixed(1)}, ` +
        `external ${((after.external - before.external) / MB).toFixed(1)}), peak ${(peakGrowth / MB).toFixed(1)} MB; ` +
        `rss ${(before.rss / MB).toFixed(0)} -> ${(after.rss / MB).toFixed(0)} MB`,
    );
    // Without the bound the frames stay queued for the stalled sockets: about 24 MB measured
    // (the same bytes go to each socket; the kernel holds a part). With it, a few MB of pools
    // and caches remain, whatever the volume.
    expect(growth).toBeLessThan(pushed / 2);
    expect(after.rss - before.rss).toBeLessThan(pushed * 5);

    for (const client of stalled) client.close();
    normalClient.disconnect();
    await sleep(0);
  }, 90_000);
});
