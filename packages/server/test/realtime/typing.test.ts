import type { HallwayClientError } from "@hallway/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anotherSession,
  createGroup,
  createUsers,
  openDirect,
  primaryId,
  type RealtimeServer,
  record,
  sdkClient,
  sleep,
  startRealtimeServer,
  type TestClient,
  type TestUser,
  until,
} from "./helpers.ts";

/**
 * Typing indicators: shown to the other members, throttled, gone at a stop or a sent message,
 * never stored, and not in the school-wide group.
 */

let server: RealtimeServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
let alicePhone: TestClient;
let aliceLaptop: TestClient;
let bobClient: TestClient;
let carolClient: TestClient;
let daveClient: TestClient;
let group: string;
let aliceAndDave: string;

beforeAll(async () => {
  server = await startRealtimeServer();
  [alice, bob, carol, dave] = (await createUsers(server, ["t-alice", "t-bob", "t-carol", "t-dave"])) as [
    TestUser,
    TestUser,
    TestUser,
    TestUser,
  ];
  group = await createGroup(alice, [bob, carol], "Project");
  aliceAndDave = await openDirect(alice, dave);
  alicePhone = sdkClient(server, alice.session);
  aliceLaptop = sdkClient(server, await anotherSession(server, alice));
  bobClient = sdkClient(server, bob.session);
  carolClient = sdkClient(server, carol.session);
  daveClient = sdkClient(server, dave.session);
  await Promise.all([alicePhone, aliceLaptop, bobClient, carolClient, daveClient].map((c) => c.connect()));
});
afterAll(async () => {
  for (const client of [alicePhone, aliceLaptop, bobClient, carolClient, daveClient]) client?.disconnect();
  await server?.close();
});

const typing = (client: TestClient, conversationId: string) =>
  client.request("typing.start", { conversationId });

/** Typing events of a client, in one conversation. */
function typingIn<T extends { conversationId: string }>(events: T[], conversationId: string): T[] {
  return events.filter((e) => e.conversationId === conversationId);
}

/** A group of its own for a test, so the throttle of another test does not interfere. */
async function freshGroup(members: TestUser[] = [bob, carol]): Promise<string> {
  const id = await createGroup(alice, members, "Fresh");
  const clients = [alicePhone, aliceLaptop, bobClient, carolClient, daveClient];
  const userOf = new Map<TestClient, TestUser>([
    [alicePhone, alice],
    [aliceLaptop, alice],
    [bobClient, bob],
    [carolClient, carol],
    [daveClient, dave],
  ]);
  // Every member's devices follow it once they have been told they joined.
  await until(
    () =>
      clients
        .filter((c) => [alice, ...members].includes(userOf.get(c)!))
        .every((c) =>
          c.sockets
            .at(-1)!
            .frames.some((f) => f.ev === "conversation.joined" && f.data.conversationId === id),
        ),
    "the members' devices to join",
  );
  return id;
}

/** Everything about the database, to show nothing changed. */
async function databaseFingerprint(): Promise<Record<string, string>> {
  const { rows: tables } = await server.pool.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  const out: Record<string, string> = {};
  for (const { tablename } of tables) {
    const { rows } = await server.pool.query(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM "${tablename}" t`,
    );
    out[tablename] = `${rows[0].n}:${rows[0].h}`;
  }
  return out;
}

describe("typing", () => {
  it("reaches the other members with expiresInMs 5000, not the typist's own devices, not non-members", async () => {
    const bobSees = record(bobClient, "typing.started");
    const carolSees = record(carolClient, "typing.started");
    const laptopSees = record(aliceLaptop, "typing.started");
    const daveSees = record(daveClient, "typing.started");

    expect(await typing(alicePhone, group)).toEqual({});
    const expected = { conversationId: group, userId: alice.id, expiresInMs: 5_000 };
    await expect.poll(() => bobSees).toEqual([expected]);
    await expect.poll(() => carolSees).toEqual([expected]);

    // Later frames on the same sockets: had the first been sent there, it would have arrived first.
    await typing(bobClient, group);
    await expect.poll(() => laptopSees.map((e) => e.userId)).toEqual([bob.id]);
    await typing(alicePhone, aliceAndDave);
    await expect.poll(() => daveSees.map((e) => e.conversationId)).toEqual([aliceAndDave]);
    expect(typingIn(bobSees, group)).toHaveLength(1); // nor does the typist get their own
  });

  it("rapid repeats are forwarded at most once per 2 seconds", async () => {
    const conversationId = await freshGroup([bob]);
    const sentinel = await freshGroup([bob]);
    const bobSees = record(bobClient, "typing.started");

    await typing(alicePhone, conversationId);
    const firstForwardedBy = Date.now();
    await expect.poll(() => typingIn(bobSees, conversationId)).toHaveLength(1);
    // Keystrokes for 1.5 s, ten a second from both of Alice's devices: nothing more reaches Bob.
    while (Date.now() - firstForwardedBy < 1_500) {
      await Promise.all([
        typing(alicePhone, conversationId),
        typing(aliceLaptop, conversationId),
        sleep(100),
      ]);
    }
    await typing(alicePhone, sentinel);
    await expect.poll(() => typingIn(bobSees, sentinel)).toHaveLength(1);
    expect(typingIn(bobSees, conversationId)).toHaveLength(1);

    // Two seconds after the last one forwarded, a refresh goes through again.
    await until(() => Date.now() - firstForwardedBy > 2_100, "two seconds to pass", 5_000, 50);
    await typing(alicePhone, conversationId);
    await expect.poll(() => typingIn(bobSees, conversationId)).toHaveLength(2);
  });

  it("typing.stop sends typing.stopped to the others", async () => {
    const conversationId = await freshGroup([bob, carol]);
    const bobStarted = record(bobClient, "typing.started");
    const bobStopped = record(bobClient, "typing.stopped");
    const carolStopped = record(carolClient, "typing.stopped");
    const laptopStopped = record(aliceLaptop, "typing.stopped");
    const laptopStarted = record(aliceLaptop, "typing.started");

    await typing(alicePhone, conversationId);
    await expect.poll(() => typingIn(bobStarted, conversationId)).toHaveLength(1);
    expect(await alicePhone.request("typing.stop", { conversationId })).toEqual({});
    const stopped = { conversationId, userId: alice.id };
    await expect.poll(() => bobStopped).toEqual([stopped]);
    await expect.poll(() => carolStopped).toEqual([stopped]);
    // A stop with nothing to stop sends nothing; the laptop never hears about its own typing.
    await alicePhone.request("typing.stop", { conversationId });
    await typing(carolClient, conversationId);
    await expect.poll(() => laptopStarted.map((e) => e.userId)).toEqual([carol.id]);
    expect(laptopStopped).toEqual([]);
    expect(typingIn(bobStopped, conversationId)).toHaveLength(1);
  });

  it("sending a message stops typing", async () => {
    const conversationId = await freshGroup([bob]);
    const bobStarted = record(bobClient, "typing.started");
    await typing(alicePhone, conversationId);
    await expect.poll(() => typingIn(bobStarted, conversationId)).toHaveLength(1);

    const socket = bobClient.sockets.at(-1)!;
    const from = socket.frames.length;
    await alicePhone.send(conversationId, "Here is the draft.");
    // A refresh right after the send is a new indicator: it is forwarded at once.
    await typing(alicePhone, conversationId);
    await expect.poll(() => typingIn(bobStarted, conversationId)).toHaveLength(2);
    const seen = socket.frames
      .slice(from)
      .filter((f) => f.data?.conversationId === conversationId)
      .map((f) => f.ev);
    expect(seen).toEqual(["message.created", "typing.stopped", "typing.started"]);
  });

  it("is never stored", async () => {
    const conversationId = await freshGroup([bob, carol]);
    const before = await databaseFingerprint();
    const bobStopped = record(bobClient, "typing.stopped");
    for (const client of [alicePhone, bobClient, carolClient]) {
      await typing(client, conversationId);
      await typing(client, group);
      await client.request("typing.stop", { conversationId });
    }
    await expect
      .poll(() => typingIn(bobStopped, conversationId).map((e) => e.userId))
      .toEqual([alice.id, carol.id]);
    expect(await databaseFingerprint()).toEqual(before);
  });

  it("is not shown in the school-wide group, and only members may type", async () => {
    const everyone = await primaryId(server);
    const bobSees = record(bobClient, "typing.started");
    expect(await typing(alicePhone, everyone)).toEqual({});
    const conversationId = await freshGroup([bob]);
    await typing(alicePhone, conversationId);
    await expect.poll(() => bobSees.map((e) => e.conversationId)).toEqual([conversationId]);

    const refused = await typing(daveClient, group).catch((error: HallwayClientError) => error);
    expect((refused as HallwayClientError).code).toBe("CONVERSATION_NOT_FOUND");
  });
});
