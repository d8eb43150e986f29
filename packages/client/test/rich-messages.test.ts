import { type ClientEvents, type HallwayClient, HallwayClientError } from "@hallway/client";
import type { ConversationSummary } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import { signedInClient } from "./people.ts";

/**
 * The SDK's rich messages against a real server: thread replies through the offline outbox,
 * edits and deletions (live and replayed on resume), who reacted, and unread mentions.
 */

let server: TestServer;
let admin: Api;
let group: ConversationSummary;
let ana: HallwayClient; // a teacher, the group's admin
let ben: HallwayClient; // a teacher
let chloe: HallwayClient; // a student

beforeAll(async () => {
  server = await startTestServer();
  admin = (await new Api(server.url).signInAdmin()).api;
  ana = await signedInClient(server, admin, "ana.lima", "teacher");
  ben = await signedInClient(server, admin, "ben.okafor", "teacher");
  chloe = await signedInClient(server, admin, "chloe.m", "student");
  await Promise.all([ana.connect(), ben.connect(), chloe.connect()]);
  group = expectStatus(
    await new Api(server.url, ana.session!.accessToken).post("/api/v1/conversations", {
      name: "Year 7 trip",
      memberIds: [ben.userId, chloe.userId],
    }),
    201,
  );
});
afterAll(async () => {
  for (const client of [ana, ben, chloe]) client?.disconnect();
  await server?.close();
});

/** Collects one kind of event for the group. */
function collect<E extends "message.created" | "message.edited" | "message.deleted" | "reaction.updated">(
  client: HallwayClient,
  event: E,
): ClientEvents[E][] {
  const seen: ClientEvents[E][] = [];
  client.on(event, (data) => {
    if ((data as { conversationId: string }).conversationId === group.id) seen.push(data);
  });
  return seen;
}

describe("threads", () => {
  it("replies with parentId, keeps the outbox's order and idempotency offline, and fetches the thread", async () => {
    const seen = collect(chloe, "message.created");
    const parent = await ana.send(group.id, "The coach leaves at 8 on Friday");
    const first = await ben.send(group.id, "I'll bring the first-aid kit", { parentId: parent.id });
    expect(first).toMatchObject({ parentId: parent.id, text: "I'll bring the first-aid kit" });

    // Offline: a reply, a message in the main timeline, another reply. They go in that order, once.
    ana.disconnect();
    const queued = [
      ana.send(group.id, "Thank you Ben", { parentId: parent.id, clientId: "ana-thanks-0001" }),
      ana.send(group.id, "Packed lunches, please"),
      ana.send(group.id, "And sun cream", { parentId: parent.id }),
    ];
    expect(ana.outboxSize).toBe(3);
    await ana.connect();
    const landed = await Promise.all(queued);
    expect(landed.map((m) => [m.text, m.parentId])).toEqual([
      ["Thank you Ben", parent.id],
      ["Packed lunches, please", null],
      ["And sun cream", parent.id],
    ]);
    expect(landed.map((m) => m.seq)).toEqual([...landed.map((m) => m.seq)].sort((a, b) => a - b));
    await expect.poll(() => seen.map((m) => m.text)).toEqual([parent, first, ...landed].map((m) => m.text));

    // The same client id again lands nothing new.
    const again = await ana.send(group.id, "Thank you Ben", {
      parentId: parent.id,
      clientId: "ana-thanks-0001",
    });
    expect(again.id).toBe(landed[0]!.id);

    const thread = await chloe.fetchThread(group.id, parent.id);
    expect(thread.parent).toMatchObject({ id: parent.id, replyCount: 3 });
    expect(thread.parent.lastReplyAt).toBe(landed[2]!.createdAt);
    expect(thread.replies.map((m) => m.text)).toEqual([
      "I'll bring the first-aid kit",
      "Thank you Ben",
      "And sun cream",
    ]);
    // Pages: `after` the first reply.
    const rest = await chloe.fetchThread(group.id, parent.id, { after: thread.replies[0]!.seq, limit: 1 });
    expect(rest.replies.map((m) => m.text)).toEqual(["Thank you Ben"]);
    expect(rest.hasMore).toBe(true);

    // A reply to a reply is refused.
    await expect(chloe.send(group.id, "Me too", { parentId: first.id })).rejects.toMatchObject({
      code: "NOT_A_THREAD",
    });
  });
});

describe("edits and deletions", () => {
  it("reach the others live and after a reconnect", async () => {
    const edits = collect(ben, "message.edited");
    const deletions = collect(ben, "message.deleted");
    const message = await ana.send(group.id, "Meet at the front gate at 7:45");
    const edited = await ana.edit(group.id, message.id, "Meet at the side gate at 7:45");
    expect(edited).toMatchObject({ id: message.id, text: "Meet at the side gate at 7:45" });
    expect(edited.editedAt).not.toBeNull();
    await expect.poll(() => edits.map((e) => e.text)).toEqual(["Meet at the side gate at 7:45"]);
    expect(edits[0]).toMatchObject({ messageId: message.id, messageSeq: message.seq });

    // Only the author edits.
    await expect(ben.edit(group.id, message.id, "Meet at the pub")).rejects.toMatchObject({
      code: "MESSAGE_NOT_EDITABLE",
    });

    // Ben is away while Ana edits again and deletes another message: he gets both on resume.
    const typo = await ana.send(group.id, "Bring £5 for the gift shpo");
    await expect.poll(() => ben.position(group.id)).toBe(typo.seq);
    ben.disconnect();
    await ana.edit(group.id, message.id, "Meet at the side gate at 7:40");
    expect(await ana.deleteMessage(group.id, typo.id)).toEqual({ deletedBy: "author" });
    await ben.connect();
    await expect.poll(() => edits.map((e) => e.text).at(-1)).toBe("Meet at the side gate at 7:40");
    await expect.poll(() => deletions.map((d) => d.messageId)).toEqual([typo.id]);
    const history = expectStatus(
      await new Api(server.url, ben.session!.accessToken).get(`/api/v1/conversations/${group.id}/messages`),
      200,
    );
    const tombstone = history.messages.find((m: { id: string }) => m.id === typo.id);
    expect(tombstone).toMatchObject({ deleted: true, text: "", attachments: [] });

    // Chloe may not delete Ana's message: she does not moderate this group.
    await expect(chloe.deleteMessage(group.id, message.id)).rejects.toBeInstanceOf(HallwayClientError);
  });

  it("works over REST while the socket is down", async () => {
    const message = await ben.send(group.id, "Offline edit test");
    ben.disconnect();
    try {
      expect(await ben.edit(group.id, message.id, "Edited without a socket")).toMatchObject({
        text: "Edited without a socket",
      });
      expect(await ben.deleteMessage(group.id, message.id)).toEqual({ deletedBy: "author" });
    } finally {
      await ben.connect();
    }
  });
});

describe("reactions", () => {
  it("lists who reacted with what", async () => {
    const updates = collect(ana, "reaction.updated");
    const message = await ana.send(group.id, "Photos from the museum are up");
    await ben.react(group.id, message.id, "👍", true);
    await chloe.react(group.id, message.id, "👍", true);
    await chloe.react(group.id, message.id, "🎉", true);
    await expect.poll(() => updates.length).toBe(3);
    expect(updates.at(-1)).toMatchObject({ messageId: message.id, emoji: "🎉", count: 1 });
    expect(await ana.listReactions(group.id, message.id)).toEqual({
      messageId: message.id,
      reactions: [
        { emoji: "👍", userIds: [ben.userId, chloe.userId] },
        { emoji: "🎉", userIds: [chloe.userId] },
      ],
    });
  });
});

describe("mentions", () => {
  it("counts unread mentions of me live and from a resume, and clears them on read", async () => {
    const counts: number[] = [];
    ben.on("unread", (u) => {
      if (u.conversationId === group.id) counts.push(u.mentionCount);
    });
    await ben.markRead(group.id);
    await chloe.markRead(group.id);
    expect(ben.mentions.get(group.id)).toBe(0);

    const named = await ana.send(group.id, "@ben.okafor can you take the register?");
    expect(named.mentions).toEqual([ben.userId]);
    await expect.poll(() => ben.mentions.get(group.id)).toBe(1);
    expect(counts.at(-1)).toBe(1);
    expect(chloe.mentions.get(group.id)).toBe(0);

    // @everyone: staff may; a student may not.
    const everyone = await ana.send(group.id, "@everyone the coach is here");
    expect(everyone.mentionsEveryone).toBe(true);
    await expect.poll(() => chloe.mentions.get(group.id)).toBe(1);
    await expect.poll(() => ben.mentions.get(group.id)).toBe(2);
    await expect(chloe.send(group.id, "@everyone wait for me")).rejects.toMatchObject({
      code: "MENTION_EVERYONE_REFUSED",
    });

    // A deleted mention no longer counts.
    await ana.deleteMessage(group.id, named.id);
    await expect.poll(() => ben.mentions.get(group.id)).toBe(1);

    // Reading clears them.
    await ben.markRead(group.id);
    expect(ben.mentions.get(group.id)).toBe(0);
    expect(counts.at(-1)).toBe(0);

    // Away, then back: the resume says how many.
    ben.disconnect();
    await ana.send(group.id, "@ben.okafor the register is on your desk");
    await ben.connect();
    expect(ben.mentions.get(group.id)).toBe(1);
    await ben.markRead(group.id);
    expect(ben.mentions.get(group.id)).toBe(0);
  });
});
