import type { AddressInfo } from "node:net";
import { CLOSE_CODES } from "@hallway/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp, type Hallway } from "../../src/app.ts";
import { TRUSTED_SECRET } from "../fixtures.ts";
import { testConfig } from "../harness.ts";
import {
  createUsers,
  openDirect,
  RawClient,
  record,
  sdkClient,
  startRealtimeServer,
  until,
} from "./helpers.ts";

/**
 * Connections end on the server's terms in two ways: a restart (4000, "reconnect and resume")
 * and a peer that stopped answering pings (4002). Clients that behave are not disturbed.
 */

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe("shutdown", () => {
  it("closes every socket with 4000; the SDK reconnects to the restarted server and misses nothing", async () => {
    const first = await startRealtimeServer();
    cleanup.push(() => first.pool.end());
    const { port } = first.hallway.app.server.address() as AddressInfo;
    const [reader, writer] = await createUsers(first, ["restart-reader", "restart-writer"]);
    const conversationId = await openDirect(writer!, reader!);

    const client = sdkClient(first, reader!.session);
    await client.connect();
    cleanup.push(() => client.disconnect());
    const states = record(client, "state");
    const texts: string[] = [];
    client.on("message.created", (m) => {
      if (m.conversationId === conversationId) texts.push(m.text);
    });
    const raw = await RawClient.connect(first, writer!.session.accessToken);
    await writer!.api.post(`/api/v1/conversations/${conversationId}/messages`, {
      clientId: "before-restart",
      text: "before",
    });
    await expect.poll(() => texts).toEqual(["before"]);

    await first.hallway.close();
    expect((await raw.closed).code).toBe(CLOSE_CODES.SERVER_SHUTDOWN);
    await expect.poll(() => states).toContain("reconnecting");
    expect(client.state).toBe("reconnecting");
    // Written while no server runs: it waits in the outbox.
    const queued = client.send(conversationId, "sent during the restart");

    // The same address, the same database: a restart.
    const second: Hallway = await buildApp({
      config: testConfig({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET }),
      databaseUrl: first.databaseUrl,
      migrate: false,
    });
    cleanup.push(() => second.close());
    await second.app.listen({ port, host: "127.0.0.1" });
    for (const n of [1, 2, 3])
      await writer!.api.post(`/api/v1/conversations/${conversationId}/messages`, {
        clientId: `after-restart-${n}`,
        text: `after ${n}`,
      });

    expect((await queued).text).toBe("sent during the restart");
    await until(() => client.state === "open", "the SDK to be back", 15_000);
    await expect
      .poll(() => [...texts].sort())
      .toEqual(["after 1", "after 2", "after 3", "before", "sent during the restart"].sort());
    const { rows } = await first.pool.query(
      "SELECT body FROM messages WHERE conversation_id = $1 ORDER BY seq",
      [conversationId],
    );
    expect(texts).toEqual(rows.map((r) => r.body)); // in the database's order, each once
  });
});

describe("heartbeat", () => {
  it("a client that stops answering pings is closed with 4002 within about two intervals; the others stay", async () => {
    const server = await startRealtimeServer({ WS_HEARTBEAT_MS: "1000" });
    cleanup.push(() => server.close());
    const [mute, chatty] = await createUsers(server, ["mute", "chatty"]);
    const client = sdkClient(server, chatty!.session);
    await client.connect();
    cleanup.push(() => client.disconnect());
    const polite = await RawClient.connect(server, chatty!.session.accessToken);

    const opened = Date.now();
    const silent = await RawClient.connect(server, mute!.session.accessToken, {}, { autoPong: false });
    expect((await silent.closed).code).toBe(CLOSE_CODES.HEARTBEAT_TIMEOUT);
    // Pinged at the next tick, closed at the one after: two intervals, with room for a busy machine.
    expect(Date.now() - opened).toBeLessThan(5_000);
    await until(() => !server.hallway.hub.connectionsByUser.has(mute!.id), "the silent one to leave the hub");

    // Two more intervals: the ones that answer pings are still here, on their first socket.
    const before = Date.now();
    await until(() => Date.now() - before > 2_500, "two more intervals", 5_000, 100);
    expect(polite.open).toBe(true);
    expect(client.state).toBe("open");
    expect(client.sockets).toHaveLength(1);
    expect(await client.request("ping", undefined)).toMatchObject({ serverTime: expect.any(String) });
    polite.close();
  });
});
