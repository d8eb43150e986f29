import type { ConversationSummary, Message, ReactionResult } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import { enrol, expectError, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { connect, conversations, eventually, history, send } from "./school-fixtures.ts";

/**
 * Reactions: an emoji toggle per person and message, with counts, as logged events, so a
 * client that was offline catches up on resume. Ann, Bob and Cal (teachers) share a group;
 * Dee (a student) is in the school-wide group only.
 */

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;
const p = (id: string) => people[id]!;
let group: ConversationSummary;
let message: Message;

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(server.url, admin, [
    { externalId: "R-ann", role: "teacher", displayName: "Ann" },
    { externalId: "R-bob", role: "teacher", displayName: "Bob" },
    { externalId: "R-cal", role: "teacher", displayName: "Cal" },
    { externalId: "R-dee", role: "student", displayName: "Dee" },
  ]);
  group = expectStatus(
    await p("R-ann").api.post<ConversationSummary>("/api/v1/conversations", {
      name: "Science department",
      memberIds: [p("R-bob").id, p("R-cal").id],
    }),
    201,
  );
  message = expectStatus(await send(p("R-ann").api, group.id, "Lab coats arrive on Monday"), 201).message;
});
afterAll(() => server.close());

function path(conversationId: string, messageId: string, emoji: string): string {
  return `/api/v1/conversations/${conversationId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;
}

function react(as: SignedIn, emoji: string, target: Message = message) {
  return as.api.put<ReactionResult>(path(target.conversationId, target.id, emoji));
}

function unreact(as: SignedIn, emoji: string, target: Message = message) {
  return as.api.delete<ReactionResult>(path(target.conversationId, target.id, emoji));
}

async function reactionsSeenBy(as: SignedIn, target: Message = message) {
  return (await history(as.api, target.conversationId)).find((m) => m.id === target.id)!.reactions;
}

describe("toggling", () => {
  it("is idempotent both ways, counts per emoji, and tells each reader whether they are in the count", async () => {
    const first = expectStatus(await react(p("R-bob"), "👍"), 200);
    expect(first).toEqual({
      messageId: message.id,
      emoji: "👍",
      count: 1,
      me: true,
      seq: expect.any(Number),
    });
    const repeat = expectStatus(await react(p("R-bob"), "👍"), 200);
    expect(repeat).toEqual({ ...first, seq: null });
    expect(expectStatus(await react(p("R-cal"), "👍"), 200)).toMatchObject({ count: 2, me: true });
    expect(expectStatus(await react(p("R-cal"), ":tada:"), 200)).toMatchObject({ count: 1 });

    expect(await reactionsSeenBy(p("R-bob"))).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: ":tada:", count: 1, me: false },
    ]);
    expect(await reactionsSeenBy(p("R-ann"))).toEqual([
      { emoji: "👍", count: 2, me: false },
      { emoji: ":tada:", count: 1, me: false },
    ]);
    const one = expectStatus<Message>(
      await p("R-cal").api.get(`/api/v1/conversations/${group.id}/messages/${message.id}`),
      200,
    );
    expect(one.reactions).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: ":tada:", count: 1, me: true },
    ]);

    const removed = expectStatus(await unreact(p("R-bob"), "👍"), 200);
    expect(removed).toMatchObject({ count: 1, me: false, seq: expect.any(Number) });
    expect(expectStatus(await unreact(p("R-bob"), "👍"), 200)).toMatchObject({
      count: 1,
      me: false,
      seq: null,
    });
    // A reaction nobody has is simply not there.
    expect(expectStatus(await unreact(p("R-bob"), "🦄"), 200)).toMatchObject({
      count: 0,
      me: false,
      seq: null,
    });
    expect(await reactionsSeenBy(p("R-bob"))).toEqual([
      { emoji: "👍", count: 1, me: false },
      { emoji: ":tada:", count: 1, me: false },
    ]);
  });

  it("each change is one logged event with the new count; repeats log nothing", async () => {
    const before = (await conversations(p("R-ann").api)).find((c) => c.id === group.id)!.lastSeq;
    const added = expectStatus(await react(p("R-ann"), "🧪"), 200);
    expectStatus(await react(p("R-ann"), "🧪"), 200);
    expect(added.seq).toBe(before + 1);
    const summary = (await conversations(p("R-ann").api)).find((c) => c.id === group.id)!;
    expect(summary.lastSeq).toBe(before + 1);
    // The list shows the last message's reactions too; reactions are not unread messages.
    expect(summary.lastMessage?.reactions).toEqual(
      expect.arrayContaining([{ emoji: "🧪", count: 1, me: true }]),
    );
    expect((await conversations(p("R-bob").api)).find((c) => c.id === group.id)!.unreadCount).toBe(1);
  });

  it("accepts one emoji (with skin tones, flags, families) or a :short_name:, nothing else", async () => {
    for (const emoji of ["👍🏽", "🇫🇷", "👨‍👩‍👧‍👦", "❤️", ":+1:", ":white_check_mark:"])
      expectStatus(await react(p("R-cal"), emoji), 200);
    for (const emoji of ["abc", "👍👍", "a👍", "1", ":Tada:", "::", `:${"x".repeat(31)}:`, "🏽", "\u202e"]) {
      expectError(await react(p("R-cal"), emoji), 400, "VALIDATION_FAILED");
    }
  });

  it("stops at twenty different reactions per person and message", async () => {
    const target = expectStatus(await send(p("R-ann").api, group.id, "React away"), 201).message;
    const emoji = [..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂"];
    for (const e of emoji) expectStatus(await react(p("R-bob"), e, target), 200);
    expectError(await react(p("R-bob"), "🤗", target), 409, "TOO_MANY_REACTIONS");
    // Repeating one already there, taking one back, and others reacting still work.
    expectStatus(await react(p("R-bob"), "😀", target), 200);
    expectStatus(await react(p("R-cal"), "🤗", target), 200);
    expectStatus(await unreact(p("R-bob"), "😀", target), 200);
    expectStatus(await react(p("R-bob"), "🤗", target), 200);
  });
});

describe("who may react", () => {
  it("members only: others get CONVERSATION_NOT_FOUND, other messages and notices MESSAGE_NOT_FOUND", async () => {
    expectError(await react(p("R-dee"), "👍"), 404, "CONVERSATION_NOT_FOUND");
    expectError(await unreact(p("R-dee"), "👍"), 404, "CONVERSATION_NOT_FOUND");
    const direct = expectStatus(
      await p("R-bob").api.post<ConversationSummary>("/api/v1/conversations/direct", {
        userId: p("R-cal").id,
      }),
      201,
    );
    const secret = expectStatus(await send(p("R-bob").api, direct.id, "between us"), 201).message;
    expectError(await react(p("R-ann"), "👍", secret), 404, "CONVERSATION_NOT_FOUND");
    // Their message through my conversation's id: no such message here.
    expectError(await p("R-ann").api.put(path(group.id, secret.id, "👍")), 404, "MESSAGE_NOT_FOUND");
    const [notice] = await history(p("R-ann").api, group.id);
    expect(notice?.kind).toBe("system");
    expectError(await react(p("R-ann"), "👍", notice!), 404, "MESSAGE_NOT_FOUND");
  });

  it("in the school-wide group everyone reacts, though only the principal's office posts", async () => {
    const primary = (await conversations(admin)).find((c) => c.kind === "primary")!;
    const posted = expectStatus(await send(admin, primary.id, "School closes early on Friday"), 201).message;
    expectError(await send(p("R-dee").api, primary.id, "yay"), 403, "FORBIDDEN");
    expect(expectStatus(await react(p("R-dee"), "🎉", posted), 200)).toMatchObject({ count: 1, me: true });
  });
});

describe("over WebSocket", () => {
  it("reaction.toggle sets, flips and takes back; members get reaction.updated live", async () => {
    const ann = await connect(server.url, p("R-ann").session);
    const bob = await connect(server.url, p("R-bob").session);
    try {
      const target = expectStatus(await send(p("R-ann").api, group.id, "Live test"), 201).message;
      const set = await bob.client.react(group.id, target.id, "🔥", true);
      expect(set).toMatchObject({ count: 1, me: true, seq: expect.any(Number) });
      expect(await bob.client.react(group.id, target.id, "🔥", true)).toMatchObject({ seq: null });
      const flipped = await bob.client.react(group.id, target.id, "🔥");
      expect(flipped).toMatchObject({ count: 0, me: false });
      await eventually(() =>
        expect(ann.events.filter((e) => e.ev === "reaction.updated").map((e) => e.data)).toEqual([
          {
            conversationId: group.id,
            seq: set.seq,
            messageId: target.id,
            emoji: "🔥",
            userId: p("R-bob").id,
            added: true,
            count: 1,
          },
          expect.objectContaining({ seq: flipped.seq, added: false, count: 0 }),
        ]),
      );
      // Live reactions move the client's position too: a reconnect does not replay them again.
      expect(ann.client.position(group.id)).toBe(flipped.seq);
      ann.client.disconnect();
      await ann.client.connect();
      await new Promise((r) => setTimeout(r, 200));
      expect(ann.events.filter((e) => e.ev === "reaction.updated")).toHaveLength(2);
      // The same rules as REST.
      await expect(bob.client.react(group.id, target.id, "not an emoji")).rejects.toMatchObject({
        code: "VALIDATION_FAILED",
      });
      const dee = await connect(server.url, p("R-dee").session);
      await expect(dee.client.react(group.id, target.id, "👍")).rejects.toMatchObject({
        code: "CONVERSATION_NOT_FOUND",
      });
      dee.client.disconnect();
    } finally {
      ann.client.disconnect();
      bob.client.disconnect();
    }
  });

  it("a client that was offline while others reacted gets every change on resume, once, in order", async () => {
    const target = expectStatus(
      await send(p("R-ann").api, group.id, "Who is coming to the fair?"),
      201,
    ).message;
    const cal = await connect(server.url, p("R-cal").session);
    try {
      await eventually(() => expect(cal.client.position(group.id)).toBe(target.seq));
      cal.client.disconnect();

      const changes = [
        expectStatus(await react(p("R-ann"), "🙋", target), 200),
        expectStatus(await react(p("R-bob"), "🙋", target), 200),
        expectStatus(await unreact(p("R-ann"), "🙋", target), 200),
        expectStatus(await react(p("R-bob"), "🎡", target), 200),
      ];
      await cal.client.connect();
      await eventually(() =>
        expect(
          cal.events
            .filter((e) => e.ev === "reaction.updated")
            .map((e) => [e.data.seq, e.data.emoji, e.data.count]),
        ).toEqual(changes.map((c) => [c.seq, c.emoji, c.count])),
      );
      expect(cal.client.position(group.id)).toBe(changes.at(-1)!.seq);

      // A second reconnect replays nothing: the position moved with the reactions.
      cal.client.disconnect();
      await cal.client.connect();
      await new Promise((r) => setTimeout(r, 200));
      expect(cal.events.filter((e) => e.ev === "reaction.updated")).toHaveLength(changes.length);
      // And what history says agrees with the events.
      expect(await reactionsSeenBy(p("R-cal"), target)).toEqual([
        { emoji: "🙋", count: 1, me: false },
        { emoji: "🎡", count: 1, me: false },
      ]);
    } finally {
      cal.client.disconnect();
    }
  });
});
