import { HallwayClient, HallwayClientError } from "@hallway/client";
import type { ConversationSummary, EventData, Message, WordFilter } from "@hallway/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Api, expectStatus } from "./api.ts";
import { enrol, newClientId, type SendMessageResult, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * Moderation seen through the WebSocket and the SDK: the word filter on `message.send`,
 * `message.delete`, removals reaching every member's screen live and on resume, bans and slow
 * mode as a connected client meets them.
 */

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;
const clients: HallwayClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(server.url, admin, [
    { externalId: "rivera", role: "teacher", displayName: "Ms Rivera" },
    { externalId: "okafor", role: "teacher", displayName: "Mr Okafor" },
    { externalId: "sam", role: "student", displayName: "Sam" },
    { externalId: "tia", role: "student", displayName: "Tia" },
  ]);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(() => server.close());

const p = (id: string) => people[id]!;

/** An SDK client for a person, connected over `ws`, with every event it receives recorded. */
async function online(id: string) {
  const client = new HallwayClient({
    baseUrl: server.url,
    WebSocket: WebSocket as never,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  client.useSession(p(id).session);
  clients.push(client);
  const created: Message[] = [];
  const deleted: EventData<"message.deleted">[] = [];
  const left: string[] = [];
  client.on("message.created", (m) => created.push(m));
  client.on("message.deleted", (d) => deleted.push(d));
  client.on("conversation.left", (d) => left.push(d.conversationId));
  await client.connect();
  return { client, created, deleted, left };
}

async function newGroup(name: string): Promise<string> {
  const res = await p("rivera").api.post<ConversationSummary>("/api/v1/conversations", {
    name,
    memberIds: ["okafor", "sam", "tia"].map((m) => p(m).id),
  });
  return expectStatus(res, 201).id;
}

async function sendRest(id: string, conversationId: string, text: string): Promise<Message> {
  return expectStatus(
    await p(id).api.post<SendMessageResult>(`/api/v1/conversations/${conversationId}/messages`, {
      clientId: newClientId(),
      text,
    }),
    201,
  ).message;
}

async function addFilter(pattern: string, action: "flag" | "mask" | "reject"): Promise<WordFilter> {
  return expectStatus(await admin.post("/api/v1/moderation/word-filters", { pattern, action }), 201);
}

function refusal(promise: Promise<unknown>): Promise<HallwayClientError> {
  return promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(HallwayClientError);
      return error as HallwayClientError;
    },
  );
}

describe("the word filter over the WebSocket", () => {
  it("mask: the sender's reply and every member's event carry the masked text", async () => {
    const group = await newGroup("WS mask");
    await addFilter("crumbs", "mask");
    const sam = await online("sam");
    const tia = await online("tia");
    const message = await sam.client.send(group, "Oh CRUMBS, I forgot");
    expect(message.text).toBe("Oh ******, I forgot");
    await expect.poll(() => tia.created.find((m) => m.id === message.id)?.text).toBe("Oh ******, I forgot");
  });

  it("reject: the send is refused with MESSAGE_REJECTED, not retried, and nobody sees it", async () => {
    const group = await newGroup("WS reject");
    await addFilter("gadzooks", "reject");
    const sam = await online("sam");
    const tia = await online("tia");
    const error = await refusal(sam.client.send(group, "gadzooks!"));
    expect(error.code).toBe("MESSAGE_REJECTED");
    expect(error.message.toLowerCase()).not.toContain("gadzooks");
    expect(sam.client.outboxSize).toBe(0);
    // The next message goes through, and is the only one Tia sees.
    const next = await sam.client.send(group, "sorry");
    await expect
      .poll(() => tia.created.filter((m) => m.conversationId === group).map((m) => m.id))
      .toEqual([next.id]);
  });
});

describe("deleting and removing messages, live", () => {
  it("message.delete: the author's own, every member sees the tombstone event", async () => {
    const group = await newGroup("WS delete");
    const sam = await online("sam");
    const tia = await online("tia");
    const message = await sam.client.send(group, "typo");
    expect(
      await sam.client.request("message.delete", { conversationId: group, messageId: message.id }),
    ).toEqual({
      deletedBy: "author",
    });
    await expect
      .poll(() => tia.deleted)
      .toEqual([
        {
          conversationId: group,
          seq: message.seq + 1,
          messageId: message.id,
          messageSeq: message.seq,
          senderId: p("sam").id,
          deletedBy: "author",
          actorId: p("sam").id,
        },
      ]);
    await expect.poll(() => sam.deleted.map((d) => d.messageId)).toEqual([message.id]);
  });

  it("message.delete of someone else's: refused to a teacher who does not moderate, done by one who does", async () => {
    const group = await newGroup("WS remove");
    const okafor = await online("okafor");
    const rivera = await online("rivera");
    const tia = await online("tia");
    const message = await sendRest("sam", group, "nobody likes you");
    await expect.poll(() => tia.client.unread.get(group)).toBe(1);
    const error = await refusal(
      okafor.client.request("message.delete", { conversationId: group, messageId: message.id }),
    );
    expect(error.code).toBe("FORBIDDEN");
    expect(
      await rivera.client.request("message.delete", { conversationId: group, messageId: message.id }),
    ).toEqual({
      deletedBy: "moderator",
    });
    await expect
      .poll(() => tia.deleted.map((d) => [d.messageId, d.deletedBy, d.actorId]))
      .toEqual([[message.id, "moderator", p("rivera").id]]);
    await expect.poll(() => okafor.deleted.length).toBe(1);
    // It was unread: the SDK's count drops with it, as the server's does.
    expect(tia.client.unread.get(group)).toBe(0);
    expect(
      expectStatus<ConversationSummary>(await p("tia").api.get(`/api/v1/conversations/${group}`), 200)
        .unreadCount,
    ).toBe(0);
  });

  it("an offline member gets the removal on resume, exactly once, and its unread count drops", async () => {
    const group = await newGroup("WS resume");
    const tia = await online("tia");
    const removed = await sendRest("sam", group, "you'll see tomorrow");
    await expect.poll(() => tia.created.some((m) => m.id === removed.id)).toBe(true);
    await expect.poll(() => tia.client.unread.get(group)).toBe(1);
    tia.client.disconnect();

    // While Tia is away: a report, the removal from the queue, and one more message.
    const report = expectStatus<{ id: string }>(
      await p("okafor").api.post(`/api/v1/conversations/${group}/messages/${removed.id}/report`, {
        reason: "threatening",
      }),
      201,
    );
    expectStatus(
      await admin.post(`/api/v1/moderation/reports/${report.id}/resolve`, { action: "remove-message" }),
      200,
    );
    const later = await sendRest("sam", group, "see you at lunch");

    await tia.client.connect();
    await expect
      .poll(() => tia.deleted.map((d) => [d.messageId, d.deletedBy]))
      .toEqual([[removed.id, "moderator"]]);
    await expect.poll(() => tia.created.some((m) => m.id === later.id)).toBe(true);
    expect(tia.client.unread.get(group)).toBe(1);
    // The removed text never reached her again.
    expect(
      tia.created.filter((m) => m.id === removed.id).every((m) => m.text === "you'll see tomorrow"),
    ).toBe(true);
    expect(tia.created.filter((m) => m.id === removed.id)).toHaveLength(1);

    // Another reconnect replays nothing twice.
    tia.client.disconnect();
    await tia.client.connect();
    await new Promise((r) => setTimeout(r, 100));
    expect(tia.deleted).toHaveLength(1);
    expect(tia.created.filter((m) => m.conversationId === group && m.kind === "text")).toHaveLength(2);
  });

  it("someone who connects for the first time after a removal sees only the tombstone", async () => {
    const group = await newGroup("WS tombstone");
    const message = await sendRest("sam", group, "delete me");
    expectStatus(await p("rivera").api.delete(`/api/v1/conversations/${group}/messages/${message.id}`), 200);
    const okafor = await online("okafor");
    const page = await okafor.client.request("history.fetch", { conversationId: group, after: 0, limit: 50 });
    expect(page.messages.find((m) => m.id === message.id)).toMatchObject({ text: "", deleted: true });
    expect(JSON.stringify(page)).not.toContain("delete me");
  });
});

describe("bans and slow mode, as a connected member meets them", () => {
  it("a banned member's devices are told they left, and their sends are refused", async () => {
    const group = await newGroup("WS ban");
    const tia = await online("tia");
    expectStatus(
      await p("rivera").api.post(`/api/v1/conversations/${group}/members/${p("tia").id}/ban`),
      200,
    );
    await expect.poll(() => tia.left).toEqual([group]);
    const error = await refusal(
      tia.client.request("message.send", { conversationId: group, clientId: newClientId(), text: "hi" }),
    );
    expect(error.code).toBe("CONVERSATION_NOT_FOUND");
  });

  it("slow mode refuses a second post over the WebSocket with the seconds left", async () => {
    const group = await newGroup("WS slow");
    expectStatus(await p("rivera").api.put(`/api/v1/conversations/${group}/slow-mode`, { seconds: 20 }), 200);
    const sam = await online("sam");
    await sam.client.request("message.send", { conversationId: group, clientId: newClientId(), text: "one" });
    const error = await refusal(
      sam.client.request("message.send", { conversationId: group, clientId: newClientId(), text: "two" }),
    );
    expect(error.code).toBe("RATE_LIMITED");
    expect(error.message).toMatch(/Slow mode is on: you may post again in (19|20) seconds\./);
    expect(error.details).toMatchObject({ retryAfterSeconds: expect.any(Number) });
    const seconds = (error.details as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(seconds).toBeGreaterThanOrEqual(19);
    expect(seconds).toBeLessThanOrEqual(20);
  });

  it("a muted member is told so over the WebSocket, and may still read", async () => {
    const group = await newGroup("WS mute");
    expectStatus(
      await p("rivera").api.post(`/api/v1/conversations/${group}/members/${p("sam").id}/mute`, {
        minutes: 5,
      }),
      200,
    );
    const sam = await online("sam");
    const error = await refusal(
      sam.client.request("message.send", { conversationId: group, clientId: newClientId(), text: "hey" }),
    );
    expect(error).toMatchObject({
      code: "FORBIDDEN",
      message: "A moderator has muted you in this conversation.",
    });
    const page = await sam.client.request("history.fetch", { conversationId: group, limit: 10 });
    expect(page.messages.length).toBeGreaterThan(0);
  });
});
