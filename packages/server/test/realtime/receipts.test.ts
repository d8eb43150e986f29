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
  startRealtimeServer,
  type TestClient,
  type TestUser,
} from "./helpers.ts";

/**
 * Receipts and unread counts: per-member watermarks that only move forward, "read by 2 of 3",
 * and counts that agree between devices, across reconnects, and between REST and WebSocket.
 */

let server: RealtimeServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dan: TestUser;
let group: string;
let alicePhone: TestClient;
let aliceLaptop: TestClient;
let bobClient: TestClient;
let carolClient: TestClient;
let danClient: TestClient;

beforeAll(async () => {
  server = await startRealtimeServer();
  [alice, bob, carol, dan] = (await createUsers(server, ["r-alice", "r-bob", "r-carol", "r-dan"])) as [
    TestUser,
    TestUser,
    TestUser,
    TestUser,
  ];
  group = await createGroup(bob, [alice, carol, dan], "Year 8 parents");
  alicePhone = sdkClient(server, alice.session);
  aliceLaptop = sdkClient(server, await anotherSession(server, alice));
  bobClient = sdkClient(server, bob.session);
  carolClient = sdkClient(server, carol.session);
  danClient = sdkClient(server, dan.session);
  await Promise.all([alicePhone, aliceLaptop, bobClient, carolClient, danClient].map((c) => c.connect()));
});
afterAll(async () => {
  for (const client of [alicePhone, aliceLaptop, bobClient, carolClient, danClient]) client?.disconnect();
  await server?.close();
});

async function positionsInDb(userId: string, conversationId: string) {
  const { rows } = await server.pool.query(
    "SELECT last_read_seq::int AS read, last_delivered_seq::int AS delivered FROM members WHERE user_id = $1 AND conversation_id = $2",
    [userId, conversationId],
  );
  return rows[0];
}

/** Unread counts as REST shows them to a person. */
async function restUnread(user: TestUser) {
  const body = (await user.api.get("/api/v1/conversations?archived=all")).body;
  return {
    total: body.totalUnread as number,
    byConversation: Object.fromEntries(
      body.conversations.map((c: { id: string; unreadCount: number }) => [c.id, c.unreadCount]),
    ),
  };
}

/** Unread counts as an SDK client holds them (from session.resume and events). */
function sdkUnread(client: TestClient) {
  return { total: client.totalUnread, byConversation: Object.fromEntries(client.unread) };
}

describe("receipts", () => {
  it("delivered and read positions move per member, never backward, never past the last message", async () => {
    const bobDelivered = record(bobClient, "delivered.updated");
    const bobRead = record(bobClient, "read.updated");
    for (const text of ["Trip on Friday", "Bring a packed lunch", "Back by 4pm"])
      await bobClient.send(group, text);
    expect(bobClient.position(group)).toBe(4);

    expect(await carolClient.request("conversation.delivered", { conversationId: group, seq: 3 })).toEqual({
      lastDeliveredSeq: 3,
    });
    await expect
      .poll(() => bobDelivered)
      .toEqual([{ conversationId: group, userId: carol.id, lastDeliveredSeq: 3 }]);
    // Backward: nothing moves, nobody is told.
    expect(await carolClient.request("conversation.delivered", { conversationId: group, seq: 2 })).toEqual({
      lastDeliveredSeq: 3,
    });
    // Past the end: capped at the last message. Read implies delivered.
    expect(await carolClient.request("conversation.read", { conversationId: group, seq: 99 })).toEqual({
      lastReadSeq: 4,
      unreadCount: 0,
    });
    await expect.poll(() => bobRead).toEqual([{ conversationId: group, userId: carol.id, lastReadSeq: 4 }]);
    expect(await carolClient.request("conversation.read", { conversationId: group, seq: 1 })).toEqual({
      lastReadSeq: 4,
      unreadCount: 0,
    });
    expect(await positionsInDb(carol.id, group)).toEqual({ read: 4, delivered: 4 });

    // Dan's move comes after Carol's backward ones on Bob's socket: they sent nothing.
    await danClient.request("conversation.delivered", { conversationId: group, seq: 4 });
    await expect.poll(() => bobDelivered.map((d) => d.userId)).toEqual([carol.id, dan.id]);
    expect(bobRead.map((r) => r.userId)).toEqual([carol.id]);
    expect(await positionsInDb(dan.id, group)).toEqual({ read: 0, delivered: 4 });
    // The sender has read and received their own messages.
    expect(await positionsInDb(bob.id, group)).toEqual({ read: 4, delivered: 4 });
  });

  it("read.updated reaches the other members, and the reader's other devices with the unread count", async () => {
    await bobClient.send(group, "One more thing");
    await expect.poll(() => aliceLaptop.unread.get(group)).toBe(4);
    await expect.poll(() => alicePhone.unread.get(group)).toBe(4);
    const laptopRead = record(aliceLaptop, "read.updated");
    const bobRead = record(bobClient, "read.updated");
    const carolRead = record(carolClient, "read.updated");

    expect(await alicePhone.markRead(group)).toEqual({ lastReadSeq: 5, unreadCount: 0 });
    expect(alicePhone.unread.get(group)).toBe(0);
    await expect
      .poll(() => laptopRead)
      .toEqual([{ conversationId: group, userId: alice.id, lastReadSeq: 5, unreadCount: 0 }]);
    expect(aliceLaptop.unread.get(group)).toBe(0);
    const toOthers = { conversationId: group, userId: alice.id, lastReadSeq: 5 };
    await expect.poll(() => bobRead).toEqual([toOthers]);
    await expect.poll(() => carolRead).toEqual([toOthers]);
  });

  it("receipts.get says who read and received a group message: read by 2 of 3", async () => {
    const { seq } = await bobClient.send(group, "Permission slips due Monday");
    await alicePhone.markRead(group, seq);
    await carolClient.markRead(group, seq);
    await danClient.request("conversation.delivered", { conversationId: group, seq });

    for (const asker of [bobClient, carolClient]) {
      const receipts = await asker.request("receipts.get", { conversationId: group, seq });
      expect({
        ...receipts,
        readBy: [...receipts.readBy].sort(),
        deliveredTo: [...receipts.deliveredTo].sort(),
      }).toEqual({
        seq,
        readBy: [alice.id, carol.id].sort(),
        deliveredTo: [alice.id, carol.id, dan.id].sort(),
        recipientCount: 3,
      });
    }
    const missing = await bobClient
      .request("receipts.get", { conversationId: group, seq: seq + 100 })
      .catch((e: HallwayClientError) => e);
    expect((missing as HallwayClientError).code).toBe("MESSAGE_NOT_FOUND");
    const [outsider] = await createUsers(server, ["r-outsider"]);
    const stranger = sdkClient(server, outsider!.session);
    await stranger.connect();
    const refused = await stranger.request("receipts.get", { conversationId: group, seq }).catch((e) => e);
    expect((refused as HallwayClientError).code).toBe("CONVERSATION_NOT_FOUND");
    stranger.disconnect();
  });

  it("unread counts are right after a reconnect, follow reads across devices, and equal REST's", async () => {
    const direct = await openDirect(dan, alice);
    await alicePhone.markRead(group);
    alicePhone.disconnect();
    aliceLaptop.disconnect();

    for (let i = 1; i <= 4; i++) await bobClient.send(group, `While you were away ${i}`);
    for (let i = 1; i <= 2; i++) await danClient.send(direct, `Quick question ${i}`);

    const resumed = record(alicePhone, "resumed");
    await alicePhone.connect();
    await aliceLaptop.connect();
    const reply = resumed[0]!;
    expect(reply.conversations.find((c) => c.id === group)?.unreadCount).toBe(4);
    expect(reply.conversations.find((c) => c.id === direct)?.unreadCount).toBe(2);
    expect(reply.totalUnread).toBe(6);
    expect(sdkUnread(alicePhone)).toEqual(await restUnread(alice));
    expect(sdkUnread(aliceLaptop)).toEqual(await restUnread(alice));
    expect(alicePhone.totalUnread).toBe(6);

    // Reading on the phone clears the laptop's badge.
    await alicePhone.markRead(direct);
    await expect.poll(() => aliceLaptop.unread.get(direct)).toBe(0);
    expect(aliceLaptop.totalUnread).toBe(4);
    expect(sdkUnread(aliceLaptop)).toEqual(await restUnread(alice));

    // New messages count up on both devices, as REST counts them.
    await bobClient.send(group, "And one more");
    await expect.poll(() => aliceLaptop.unread.get(group)).toBe(5);
    await expect.poll(() => alicePhone.unread.get(group)).toBe(5);
    expect(sdkUnread(alicePhone)).toEqual(await restUnread(alice));
    expect(sdkUnread(aliceLaptop)).toEqual(await restUnread(alice));
  });

  it("in the school-wide group a read position goes to the reader's own devices only", async () => {
    const everyone = await primaryId(server);
    // Only the school's leaders write in the school-wide group.
    const posted = await server.admin.post(`/api/v1/conversations/${everyone}/messages`, {
      clientId: "welcome-back-1",
      text: "Welcome back, everyone",
    });
    expect(posted.status).toBe(201);
    const { seq } = posted.body.message;
    const bobRead = record(bobClient, "read.updated");
    const laptopRead = record(aliceLaptop, "read.updated");
    await expect.poll(() => alicePhone.position(everyone)).toBe(seq);
    await alicePhone.markRead(everyone);
    await expect
      .poll(() => laptopRead)
      .toEqual([{ conversationId: everyone, userId: alice.id, lastReadSeq: seq, unreadCount: 0 }]);
    // Bob hears of Carol's read in the small group, sent after Alice's: nothing of Alice's came.
    await carolClient.markRead(group);
    await expect.poll(() => bobRead.map((r) => r.conversationId)).toEqual([group]);
  });
});
