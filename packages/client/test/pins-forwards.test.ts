import { type ClientEvents, type HallwayClient, HallwayClientError } from "@hallway/client";
import type { ConversationSummary } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import { signedInClient } from "./people.ts";

/**
 * The SDK's pins and forwards against a real server: over the WebSocket and, while it is
 * closed, over REST; `pin.updated` live and replayed on resume (once); refusals with the
 * server's codes; a retried forward lands once.
 */

let server: TestServer;
let admin: Api;
let group: ConversationSummary;
let staffRoom: ConversationSummary;
let ana: HallwayClient; // a teacher, the group's admin
let ben: HallwayClient; // a teacher, a member
let chloe: HallwayClient; // a student, a member

beforeAll(async () => {
  server = await startTestServer();
  admin = (await new Api(server.url).signInAdmin()).api;
  ana = await signedInClient(server, admin, "ana.lima", "teacher");
  ben = await signedInClient(server, admin, "ben.okafor", "teacher");
  chloe = await signedInClient(server, admin, "chloe.m", "student");
  await Promise.all([ana.connect(), ben.connect(), chloe.connect()]);
  const asAna = new Api(server.url, ana.session!.accessToken);
  group = expectStatus(
    await asAna.post("/api/v1/conversations", { name: "Year 7 trip", memberIds: [ben.userId, chloe.userId] }),
    201,
  );
  staffRoom = expectStatus(await asAna.post("/api/v1/conversations/direct", { userId: ben.userId }), 201);
});
afterAll(async () => {
  for (const client of [ana, ben, chloe]) client?.disconnect();
  await server?.close();
});

function collect<E extends keyof ClientEvents>(client: HallwayClient, event: E): ClientEvents[E][] {
  const seen: ClientEvents[E][] = [];
  client.on(event, (data) => seen.push(data));
  return seen;
}

async function refusal(promise: Promise<unknown>): Promise<HallwayClientError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HallwayClientError);
  return error as HallwayClientError;
}

describe("pins", () => {
  it("the group's admin pins and unpins over the WebSocket; members get pin.updated and the list", async () => {
    const seen = collect(chloe, "pin.updated");
    const rules = await ana.send(group.id, "Trip rules: stay with your group");
    const dates = await ana.send(group.id, "Dates: 12–14 May");

    const pinned = await ana.pin(group.id, rules.id, true);
    expect(pinned).toMatchObject({ changed: true, message: { id: rules.id, pinnedBy: ana.userId } });
    expect(pinned.message.pinnedAt).not.toBeNull();
    // A repeat changes nothing and tells nobody.
    expect((await ana.pin(group.id, rules.id, true)).changed).toBe(false);
    await ana.pin(group.id, dates.id, true);

    expect((await chloe.listPins(group.id)).messages.map((m) => m.text)).toEqual([
      "Dates: 12–14 May",
      "Trip rules: stay with your group",
    ]);
    await expect.poll(() => seen.length).toBe(2);
    expect(seen[0]).toMatchObject({
      conversationId: group.id,
      messageId: rules.id,
      messageSeq: rules.seq,
      pinned: true,
      actorId: ana.userId,
      pinnedAt: pinned.message.pinnedAt,
    });

    const unpinned = await ana.pin(group.id, rules.id, false);
    expect(unpinned).toMatchObject({ changed: true, message: { pinnedAt: null, pinnedBy: null } });
    await expect.poll(() => seen.length).toBe(3);
    expect(seen[2]).toMatchObject({ messageId: rules.id, pinned: false, pinnedAt: null });
    expect((await ben.listPins(group.id)).messages.map((m) => m.id)).toEqual([dates.id]);
  });

  it("refuses a student and a teacher who only belongs, with the server's code", async () => {
    const message = await chloe.send(group.id, "Can we bring phones?");
    expect((await refusal(chloe.pin(group.id, message.id, true))).code).toBe("FORBIDDEN");
    expect((await refusal(ben.pin(group.id, message.id, true))).code).toBe("FORBIDDEN");
    // Either person pins in a direct conversation.
    const note = await ana.send(staffRoom.id, "Bus company: 0161 555 0101");
    expect((await ben.pin(staffRoom.id, note.id, true)).changed).toBe(true);
  });

  it("works over REST while the socket is closed, and a resume replays what was missed, once", async () => {
    const message = await ana.send(group.id, "Kit list: boots, coat, water bottle");
    chloe.disconnect();
    const seen = collect(chloe, "pin.updated");

    ana.disconnect();
    const pinned = await ana.pin(group.id, message.id, true); // REST
    expect(pinned).toMatchObject({ changed: true, message: { id: message.id } });
    expect((await ana.listPins(group.id)).messages[0]?.id).toBe(message.id);
    const refused = await refusal(chloe.pin(group.id, message.id, false));
    expect(refused).toMatchObject({ code: "FORBIDDEN", status: 403 });

    await chloe.connect();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ messageId: message.id, pinned: true, actorId: ana.userId });
    // Reconnecting again replays nothing: the position moved past the pin.
    chloe.disconnect();
    await chloe.connect();
    expect(seen).toHaveLength(1);
    await ana.connect();
  });
});

describe("forwards", () => {
  it("copies a message into another conversation, with forwardedFrom; a retry with the same id lands once", async () => {
    const arrived = collect(ana, "message.created");
    const original = await chloe.send(group.id, "My permission slip is signed");
    const forwarded = await ben.forward(group.id, original.id, staffRoom.id, "ben-forward-0001");
    expect(forwarded.duplicate).toBe(false);
    expect(forwarded.message).toMatchObject({
      conversationId: staffRoom.id,
      senderId: ben.userId,
      text: "My permission slip is signed",
      forwardedFrom: {
        messageId: original.id,
        conversationId: group.id,
        senderId: chloe.userId,
        createdAt: original.createdAt,
      },
    });
    await expect.poll(() => arrived.some((m) => m.id === forwarded.message.id)).toBe(true);
    expect(arrived.find((m) => m.id === forwarded.message.id)?.forwardedFrom?.senderId).toBe(chloe.userId);

    // The same client id again, over REST this time: the same message, once.
    ben.disconnect();
    const retry = await ben.forward(group.id, original.id, staffRoom.id, "ben-forward-0001");
    expect(retry).toMatchObject({ duplicate: true, message: { id: forwarded.message.id } });
    // A new forward over REST gets its own random client id.
    const again = await ben.forward(group.id, original.id, staffRoom.id);
    expect(again.duplicate).toBe(false);
    expect(again.message.id).not.toBe(forwarded.message.id);
    await ben.connect();
  });

  it("follows the target's policy: refusals carry the server's codes", async () => {
    const message = await ana.send(group.id, "Coach leaves at 8");
    // Chloe is not in the teachers' direct conversation: it does not exist for her.
    expect((await refusal(chloe.forward(group.id, message.id, staffRoom.id))).code).toBe(
      "CONVERSATION_NOT_FOUND",
    );
    // A student may not post in the school-wide group.
    const primary = (await admin.get<{ conversations: ConversationSummary[] }>("/api/v1/conversations")).body
      .conversations;
    const school = primary.find((c) => c.kind === "primary");
    expect(school).toBeDefined();
    expect((await refusal(chloe.forward(group.id, message.id, school!.id))).code).toBe("FORBIDDEN");
  });
});
