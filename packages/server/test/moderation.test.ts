import type { ConversationSummary, Message, Report, WordFilter } from "@hallway/protocol";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import {
  enrol,
  expectError,
  type MessagePage,
  newClientId,
  queryDb,
  type SendMessageResult,
  type SignedIn,
  TRUSTED_SECRET,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * Moderation over REST against the real server: the word filter on the send path, reports and
 * the moderation queue, removing messages, muting, banning, slow mode, and the audit log of
 * all of it. Each rule is tried by someone it must refuse.
 */

let server: TestServer;
let admin: Api;
let adminId: string;
let people: Record<string, SignedIn>;
/** Ms Rivera's group: Rivera (its admin), Okafor (a teacher, only a member), students Sam and Tia. */
let group: string;

const PEOPLE = [
  { externalId: "rivera", role: "teacher", displayName: "Ms Rivera" },
  { externalId: "okafor", role: "teacher", displayName: "Mr Okafor" },
  { externalId: "sam", role: "student", displayName: "Sam" },
  { externalId: "tia", role: "student", displayName: "Tia" },
  { externalId: "pat", role: "parent", displayName: "Pat (Sam's parent)" },
  { externalId: "gia", role: "guidance", displayName: "Ms Gia (guidance)" },
];

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  adminId = expectStatus<{ id: string }>(await admin.get("/api/v1/me"), 200).id;
  people = await enrol(server.url, admin, PEOPLE);
  expectStatus(
    await admin.post("/api/v1/directory/sync", { guardians: [{ parentId: "pat", studentIds: ["sam"] }] }),
    200,
  );
  group = await newGroup("Rivera's class helpers");
});
afterAll(() => server.close());

const p = (id: string) => people[id]!;

async function newGroup(name: string, members = ["okafor", "sam", "tia"]): Promise<string> {
  const res = await p("rivera").api.post<ConversationSummary>("/api/v1/conversations", {
    name,
    memberIds: members.map((m) => p(m).id),
  });
  return expectStatus(res, 201).id;
}

function send(as: SignedIn, conversationId: string, text: string, clientId = newClientId()) {
  // Read as a success and as a refusal alike: typed loosely on purpose.
  return as.api.post(`/api/v1/conversations/${conversationId}/messages`, {
    clientId,
    text,
  });
}

async function sent(as: SignedIn, conversationId: string, text: string): Promise<Message> {
  return expectStatus<SendMessageResult>(await send(as, conversationId, text), 201).message;
}

async function history(as: SignedIn, conversationId: string): Promise<Message[]> {
  return expectStatus<MessagePage>(
    await as.api.get(`/api/v1/conversations/${conversationId}/messages?after=0&limit=200`),
    200,
  ).messages;
}

async function unread(as: SignedIn, conversationId: string): Promise<number> {
  const res = await as.api.get<ConversationSummary>(`/api/v1/conversations/${conversationId}`);
  return expectStatus(res, 200).unreadCount;
}

async function addFilter(pattern: string, action: "flag" | "mask" | "reject"): Promise<WordFilter> {
  const res = await admin.post<WordFilter>("/api/v1/moderation/word-filters", { pattern, action });
  if (res.status !== 200 && res.status !== 201) expectStatus(res, 201);
  return res.body;
}

async function queue(as: Api, status = "open"): Promise<Report[]> {
  return expectStatus<{ reports: Report[] }>(await as.get(`/api/v1/moderation/reports?status=${status}`), 200)
    .reports;
}

const del = (as: SignedIn | Api, conversationId: string, messageId: string) =>
  ("api" in as ? as.api : as).delete(`/api/v1/conversations/${conversationId}/messages/${messageId}`);
const member = (conversationId: string, userId: string, action: string) =>
  `/api/v1/conversations/${conversationId}/members/${userId}/${action}`;

describe("the word filter", () => {
  it("admins list, add, change and remove entries; a pattern is stored in one form", async () => {
    const added = await admin.post<WordFilter>("/api/v1/moderation/word-filters", {
      pattern: "  Blimey   HECK ",
      action: "flag",
    });
    expect(expectStatus(added, 201)).toMatchObject({
      pattern: "blimey heck",
      action: "flag",
      createdBy: adminId,
    });
    const changed = await admin.post<WordFilter>("/api/v1/moderation/word-filters", {
      pattern: "blimey heck",
      action: "reject",
    });
    expect(expectStatus(changed, 200)).toMatchObject({ id: added.body.id, action: "reject" });
    const list = expectStatus<{ filters: WordFilter[] }>(
      await admin.get("/api/v1/moderation/word-filters"),
      200,
    );
    expect(list.filters.filter((f) => f.pattern === "blimey heck")).toEqual([changed.body]);
    expect((await admin.delete(`/api/v1/moderation/word-filters/${added.body.id}`)).status).toBe(204);
    expectError(
      await admin.delete(`/api/v1/moderation/word-filters/${added.body.id}`),
      404,
      "WORD_FILTER_NOT_FOUND",
    );
    // Gone at once: the phrase goes through again.
    expect((await send(p("sam"), group, "blimey heck, that was hard")).status).toBe(201);
  });

  it("is for admins only: a teacher, guidance and a student are refused", async () => {
    const filter = await addFilter("gadzooks", "flag");
    for (const who of ["rivera", "gia", "sam"]) {
      expectError(await p(who).api.get("/api/v1/moderation/word-filters"), 403, "FORBIDDEN");
      expectError(
        await p(who).api.post("/api/v1/moderation/word-filters", { pattern: "x1", action: "flag" }),
        403,
        "FORBIDDEN",
      );
      expectError(await p(who).api.delete(`/api/v1/moderation/word-filters/${filter.id}`), 403, "FORBIDDEN");
    }
  });

  it("refuses patterns that are not a word or phrase", async () => {
    for (const pattern of ["", "   ", "!!!", "two\nlines", "x".repeat(101)])
      expectError(
        await admin.post("/api/v1/moderation/word-filters", { pattern, action: "flag" }),
        400,
        "VALIDATION_FAILED",
      );
    expectError(
      await admin.post("/api/v1/moderation/word-filters", { pattern: "ok", action: "delete" }),
      400,
      "VALIDATION_FAILED",
    );
  });

  it("reject: the message is refused with MESSAGE_REJECTED, names no word, and nothing is stored", async () => {
    await addFilter("Zounds", "reject");
    const before = await history(p("tia"), group);
    const res = await send(p("sam"), group, "ZOUNDS, what a day");
    expectError(res, 422, "MESSAGE_REJECTED");
    expect(res.body.error.message.toLowerCase()).not.toContain("zounds");
    expect(JSON.stringify(res.body).toLowerCase()).not.toContain("zounds");
    expect(await history(p("tia"), group)).toEqual(before);
    // A word that merely contains it is another word.
    expect((await send(p("sam"), group, "zoundsville is a place")).status).toBe(201);
  });

  it("mask: the matched words are stored as asterisks, whatever their case", async () => {
    await addFilter("crikey", "mask");
    const message = await sent(p("sam"), group, "Crikey! crikey, CRIKEY.");
    expect(message.text).toBe("******! ******, ******.");
    const stored = await queryDb(server.databaseUrl, "SELECT body FROM messages WHERE id = $1", [message.id]);
    expect(stored[0].body).toBe("******! ******, ******.");
    expect((await history(p("tia"), group)).at(-1)!.text).toBe("******! ******, ******.");
  });

  it("flag: a flagged message is stored as sent and reaches the moderation queue", async () => {
    await addFilter("fight", "flag");
    const message = await sent(p("sam"), group, "Big fight after school today");
    expect(message.text).toBe("Big fight after school today");
    const [row] = await queryDb(server.databaseUrl, "SELECT flagged FROM messages WHERE id = $1", [
      message.id,
    ]);
    expect(row.flagged).toBe(true);
    const reports = (await queue(admin)).filter((r) => r.message.id === message.id);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      status: "open",
      reason: "word filter: fight",
      reporter: null,
      message: { id: message.id, text: "Big fight after school today", flagged: true, deleted: false },
      conversation: { id: group, kind: "group", name: "Rivera's class helpers" },
      sender: { id: p("sam").id, displayName: "Sam" },
    });
    // Guidance works the same queue.
    expect((await queue(p("gia").api)).map((r) => r.id)).toContain(reports[0]!.id);
  });
});

describe("reporting a message", () => {
  it("any member reports; reporting again answers with the same open report", async () => {
    const message = await sent(p("sam"), group, "You're not invited, Tia");
    const path = `/api/v1/conversations/${group}/messages/${message.id}/report`;
    const first = await p("tia").api.post(path, { reason: "Leaving me out on purpose" });
    expect(expectStatus(first, 201)).toMatchObject({
      conversationId: group,
      messageId: message.id,
      reason: "Leaving me out on purpose",
      status: "open",
    });
    const again = await p("tia").api.post(path, { reason: "Please look at this" });
    expect(expectStatus(again, 200)).toEqual(first.body);
    // Another member's report is a report of its own.
    expect((await p("okafor").api.post(path, { reason: "Unkind" })).status).toBe(201);
    const reports = (await queue(p("gia").api)).filter((r) => r.message.id === message.id);
    expect(reports.map((r) => r.reporter?.id).sort()).toEqual([p("tia").id, p("okafor").id].sort());
    expect(reports[0]).toMatchObject({
      message: { text: "You're not invited, Tia" },
      sender: { id: p("sam").id },
    });
  });

  it("someone outside the conversation is told it does not exist; unknown and system messages are not found", async () => {
    const message = await sent(p("sam"), group, "Only for the group");
    expectError(
      await p("pat").api.post(`/api/v1/conversations/${group}/messages/${message.id}/report`, {
        reason: "?",
      }),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expectError(
      await p("tia").api.post(`/api/v1/conversations/${group}/messages/${crypto.randomUUID()}/report`, {
        reason: "?",
      }),
      404,
      "MESSAGE_NOT_FOUND",
    );
    const notice = (await history(p("tia"), group)).find((m) => m.kind === "system")!;
    expectError(
      await p("tia").api.post(`/api/v1/conversations/${group}/messages/${notice.id}/report`, { reason: "?" }),
      404,
      "MESSAGE_NOT_FOUND",
    );
    expectError(
      await p("tia").api.post(`/api/v1/conversations/${group}/messages/${message.id}/report`, {
        reason: " ",
      }),
      400,
      "VALIDATION_FAILED",
    );
  });
});

describe("the moderation queue", () => {
  it("is refused to a parent, a student, a teacher and even a group's own admin", async () => {
    for (const who of ["pat", "sam", "okafor", "rivera"])
      expectError(await p(who).api.get("/api/v1/moderation/reports?status=open"), 403, "FORBIDDEN");
  });

  it("dismiss: the report (and every open one on the message) leaves the queue, with the note", async () => {
    const message = await sent(p("sam"), group, "meet me at the gate");
    const path = `/api/v1/conversations/${group}/messages/${message.id}/report`;
    const one = expectStatus<{ id: string }>(await p("tia").api.post(path, { reason: "creepy" }), 201);
    expectStatus(await p("okafor").api.post(path, { reason: "odd" }), 201);
    // Someone who may not work the queue cannot resolve from it either.
    expectError(
      await p("rivera").api.post(`/api/v1/moderation/reports/${one.id}/resolve`, { action: "dismiss" }),
      403,
      "FORBIDDEN",
    );
    const resolved = await p("gia").api.post<Report>(`/api/v1/moderation/reports/${one.id}/resolve`, {
      action: "dismiss",
      note: "Talked to both: they walk home together.",
    });
    expect(expectStatus(resolved, 200)).toMatchObject({
      status: "dismissed",
      note: "Talked to both: they walk home together.",
      resolvedBy: { id: p("gia").id },
      message: { deleted: false },
    });
    expect((await queue(admin)).filter((r) => r.message.id === message.id)).toEqual([]);
    expect((await queue(admin, "dismissed")).filter((r) => r.message.id === message.id)).toHaveLength(2);
    expect((await history(p("tia"), group)).find((m) => m.id === message.id)!.deleted).toBe(false);
    expectError(
      await admin.post(`/api/v1/moderation/reports/${one.id}/resolve`, { action: "remove-message" }),
      409,
      "REPORT_ALREADY_RESOLVED",
    );
    expectError(
      await admin.post(`/api/v1/moderation/reports/${crypto.randomUUID()}/resolve`, { action: "dismiss" }),
      404,
      "REPORT_NOT_FOUND",
    );
  });

  it("remove-message: a tombstone for every member; the queue keeps the text for moderators", async () => {
    const message = await sent(p("sam"), group, "Tia smells");
    const report = expectStatus<{ id: string }>(
      await p("tia").api.post(`/api/v1/conversations/${group}/messages/${message.id}/report`, {
        reason: "mean",
      }),
      201,
    );
    const resolved = expectStatus<Report>(
      await admin.post(`/api/v1/moderation/reports/${report.id}/resolve`, { action: "remove-message" }),
      200,
    );
    expect(resolved).toMatchObject({ status: "resolved", message: { text: "Tia smells", deleted: true } });
    for (const who of ["tia", "sam", "rivera"]) {
      const shown = (await history(p(who), group)).find((m) => m.id === message.id)!;
      expect(shown).toMatchObject({ deleted: true, text: "" });
      expect(JSON.stringify(await history(p(who), group))).not.toContain("Tia smells");
    }
    const [row] = await queryDb(server.databaseUrl, "SELECT body, removed_by FROM messages WHERE id = $1", [
      message.id,
    ]);
    expect(row).toEqual({ body: "Tia smells", removed_by: adminId });
  });
});

describe("deleting a message", () => {
  it("the author deletes their own: a tombstone, once; deleting again changes nothing", async () => {
    const message = await sent(p("tia"), group, "oops, wrong group");
    const [{ last_seq: before }] = await queryDb(
      server.databaseUrl,
      "SELECT last_seq FROM conversations WHERE id = $1",
      [group],
    );
    expect(expectStatus(await del(p("tia"), group, message.id), 200)).toEqual({ deletedBy: "author" });
    expect(expectStatus(await del(p("tia"), group, message.id), 200)).toEqual({ deletedBy: "author" });
    const [{ last_seq: after }] = await queryDb(
      server.databaseUrl,
      "SELECT last_seq FROM conversations WHERE id = $1",
      [group],
    );
    expect(Number(after)).toBe(Number(before) + 1);
    const fetched = expectStatus<Message>(
      await p("sam").api.get(`/api/v1/conversations/${group}/messages/${message.id}`),
      200,
    );
    expect(fetched).toMatchObject({ id: message.id, text: "", deleted: true, senderId: p("tia").id });
    const [row] = await queryDb(server.databaseUrl, "SELECT body, removed_by FROM messages WHERE id = $1", [
      message.id,
    ]);
    expect(row).toEqual({ body: "oops, wrong group", removed_by: null });
  });

  it("others' messages: a teacher who does not moderate, and a student, are refused", async () => {
    const message = await sent(p("sam"), group, "first!");
    expectError(await del(p("okafor"), group, message.id), 403, "FORBIDDEN");
    expectError(await del(p("tia"), group, message.id), 403, "FORBIDDEN");
    expectError(await del(p("pat"), group, message.id), 404, "CONVERSATION_NOT_FOUND");
    expect(expectStatus(await del(p("rivera"), group, message.id), 200)).toEqual({ deletedBy: "moderator" });
  });

  it("a school moderator removes a message where they are not a member; a teacher outside it is told it does not exist", async () => {
    const direct = expectStatus<ConversationSummary>(
      await p("okafor").api.post("/api/v1/conversations/direct", { userId: p("pat").id }),
      201,
    );
    const message = await sent(p("pat"), direct.id, "You will regret this");
    expectError(await del(p("rivera"), direct.id, message.id), 404, "CONVERSATION_NOT_FOUND");
    expect(expectStatus(await del(p("gia"), direct.id, message.id), 200)).toEqual({ deletedBy: "moderator" });
    expect((await history(p("okafor"), direct.id)).find((m) => m.id === message.id)).toMatchObject({
      deleted: true,
      text: "",
    });
  });

  it("notices about the conversation cannot be deleted; an unknown message is not found", async () => {
    const notice = (await history(p("rivera"), group)).find((m) => m.kind === "system")!;
    expectError(await del(p("rivera"), group, notice.id), 403, "FORBIDDEN");
    expectError(await del(p("rivera"), group, crypto.randomUUID()), 404, "MESSAGE_NOT_FOUND");
  });

  it("unread counts stay right: a deleted unread message no longer counts", async () => {
    const room = await newGroup("Unread room");
    const start = await unread(p("tia"), room);
    const a = await sent(p("sam"), room, "one");
    await sent(p("sam"), room, "two");
    expect(await unread(p("tia"), room)).toBe(start + 2);
    expectStatus(await del(p("sam"), room, a.id), 200);
    expect(await unread(p("tia"), room)).toBe(start + 1);
  });
});

describe("muting", () => {
  it("a muted member reads but cannot post, and is told why; the others are told nothing", async () => {
    const room = await newGroup("Mute room");
    const notices = (await history(p("tia"), room)).filter((m) => m.kind === "system").length;
    const muted = expectStatus<{ mutedUntil: string }>(
      await p("rivera").api.post(member(room, p("sam").id, "mute"), { minutes: 10 }),
      200,
    );
    const until = Date.parse(muted.mutedUntil) - Date.now();
    expect(until).toBeGreaterThan(9 * 60_000);
    expect(until).toBeLessThanOrEqual(10 * 60_000);
    const refused = await send(p("sam"), room, "let me talk");
    expectError(refused, 403, "FORBIDDEN");
    expect(refused.body.error.message).toMatch(/muted/);
    expect((await history(p("sam"), room)).length).toBeGreaterThan(0);
    // No notice about the mute in the conversation.
    expect((await history(p("tia"), room)).filter((m) => m.kind === "system")).toHaveLength(notices);
    expect((await send(p("tia"), room, "still here")).status).toBe(201);
    expect(expectStatus(await p("rivera").api.post(member(room, p("sam").id, "unmute")), 200)).toEqual({
      userId: p("sam").id,
      mutedUntil: null,
    });
    expect((await send(p("sam"), room, "thanks")).status).toBe(201);
  });

  it("a student, a teacher who does not moderate, and someone outside cannot mute", async () => {
    const room = await newGroup("No mute room");
    expectError(await p("tia").api.post(member(room, p("sam").id, "mute"), { minutes: 5 }), 403, "FORBIDDEN");
    expectError(
      await p("okafor").api.post(member(room, p("sam").id, "mute"), { minutes: 5 }),
      403,
      "FORBIDDEN",
    );
    expectError(
      await p("pat").api.post(member(room, p("sam").id, "mute"), { minutes: 5 }),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expectError(await p("tia").api.post(member(room, p("sam").id, "unmute")), 403, "FORBIDDEN");
    // Moderators are not muted: not the group's admin by guidance, not oneself.
    expectError(
      await p("gia").api.post(member(room, p("rivera").id, "mute"), { minutes: 5 }),
      403,
      "FORBIDDEN",
    );
    expectError(
      await p("rivera").api.post(member(room, p("rivera").id, "mute"), { minutes: 5 }),
      403,
      "FORBIDDEN",
    );
    expectError(
      await p("rivera").api.post(member(room, p("pat").id, "mute"), { minutes: 5 }),
      404,
      "MEMBER_NOT_FOUND",
    );
    for (const minutes of [0, -1, 1.5, 525_601])
      expectError(
        await p("rivera").api.post(member(room, p("sam").id, "mute"), { minutes }),
        400,
        "VALIDATION_FAILED",
      );
    expect((await send(p("sam"), room, "not muted")).status).toBe(201);
  });
});

describe("banning", () => {
  it("a banned member is removed and cannot be added back until unbanned", async () => {
    const room = await newGroup("Ban room");
    expect(expectStatus(await p("rivera").api.post(member(room, p("tia").id, "ban")), 200)).toEqual({
      userId: p("tia").id,
      banned: true,
    });
    expectError(await send(p("tia"), room, "hello?"), 404, "CONVERSATION_NOT_FOUND");
    expectError(
      await p("tia").api.get(`/api/v1/conversations/${room}/messages`),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    const notice = (await history(p("sam"), room)).at(-1)!;
    expect(notice.system).toEqual({
      action: "member.removed",
      actorId: p("rivera").id,
      userIds: [p("tia").id],
    });
    const readd = await p("rivera").api.post(`/api/v1/conversations/${room}/members`, {
      userIds: [p("tia").id],
    });
    expectError(readd, 403, "FORBIDDEN");
    expect(readd.body.error.message).toMatch(/banned/);
    // Banning again changes nothing.
    expect((await p("rivera").api.post(member(room, p("tia").id, "ban"))).status).toBe(200);
    expect(expectStatus(await p("rivera").api.post(member(room, p("tia").id, "unban")), 200)).toEqual({
      userId: p("tia").id,
      banned: false,
    });
    expectStatus(
      await p("rivera").api.post(`/api/v1/conversations/${room}/members`, { userIds: [p("tia").id] }),
      200,
    );
    expect((await send(p("tia"), room, "I'm back")).status).toBe(201);
  });

  it("in a section group, a section's teacher bans, and the ban holds when the directory syncs again", async () => {
    const section = {
      externalId: "7A",
      name: "Grade 7 A",
      teacherIds: ["rivera"],
      studentIds: ["sam", "tia"],
    };
    expectStatus(await admin.post("/api/v1/directory/sync", { sections: [section] }), 200);
    const list = expectStatus<{ conversations: ConversationSummary[] }>(
      await p("tia").api.get("/api/v1/conversations"),
      200,
    );
    const classGroup = list.conversations.find((c) => c.kind === "section" && c.name === "Grade 7 A")!.id;
    // Okafor does not teach 7A: not his to moderate, and not his to see.
    expectError(
      await p("okafor").api.post(member(classGroup, p("tia").id, "ban")),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expectStatus(await p("rivera").api.post(member(classGroup, p("tia").id, "ban")), 200);
    expectStatus(await admin.post("/api/v1/directory/sync", { sections: [section] }), 200);
    expectError(await send(p("tia"), classGroup, "can I come back?"), 404, "CONVERSATION_NOT_FOUND");
    const members = await queryDb(
      server.databaseUrl,
      "SELECT left_at IS NULL AS current, banned_at IS NOT NULL AS banned FROM members WHERE conversation_id = $1 AND user_id = $2",
      [classGroup, p("tia").id],
    );
    expect(members).toEqual([{ current: false, banned: true }]);
    // Unbanned, she is back with the next sync: a section group follows the directory.
    expectStatus(await p("rivera").api.post(member(classGroup, p("tia").id, "unban")), 200);
    expectStatus(await admin.post("/api/v1/directory/sync", { sections: [section] }), 200);
    expect((await send(p("tia"), classGroup, "thanks, Ms Rivera")).status).toBe(201);
  });

  it("is refused to a student and to a teacher who does not moderate; only groups and section groups ban", async () => {
    const room = await newGroup("No ban room");
    expectError(await p("sam").api.post(member(room, p("tia").id, "ban")), 403, "FORBIDDEN");
    expectError(await p("okafor").api.post(member(room, p("tia").id, "ban")), 403, "FORBIDDEN");
    expectError(await p("okafor").api.post(member(room, p("tia").id, "unban")), 403, "FORBIDDEN");
    expectError(await p("rivera").api.post(member(room, p("pat").id, "ban")), 404, "MEMBER_NOT_FOUND");
    const direct = expectStatus<ConversationSummary>(
      await p("rivera").api.post("/api/v1/conversations/direct", { userId: p("sam").id }),
      201,
    );
    expectError(await admin.post(member(direct.id, p("sam").id, "ban")), 409, "CONVERSATION_KIND_MISMATCH");
    expect((await send(p("tia"), room, "still in")).status).toBe(201);
  });
});

describe("slow mode", () => {
  it("members wait between posts and are told how long; staff are not held back; a retry is not a new post", async () => {
    const room = await newGroup("Slow room");
    expect(
      expectStatus(
        await p("rivera").api.put(`/api/v1/conversations/${room}/slow-mode`, { seconds: 30 }),
        200,
      ),
    ).toEqual({ conversationId: room, slowModeSeconds: 30 });
    const clientId = newClientId("slow");
    const first = expectStatus(await send(p("sam"), room, "first", clientId), 201);
    const refused = await send(p("sam"), room, "second");
    expectError(refused, 429, "RATE_LIMITED");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(29);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(refused.body.error.details).toMatchObject({
      retryAfterSeconds: retryAfter,
      rule: "moderation.slowMode",
    });
    expect(refused.body.error.message).toMatch(/Slow mode is on/);
    // The same send retried (its acknowledgement was lost) lands once, not refused.
    const retried = await send(p("sam"), room, "first", clientId);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ message: first.message, duplicate: true });
    // Another member has their own wait; staff have none.
    expect((await send(p("tia"), room, "me too")).status).toBe(201);
    for (const text of ["staff one", "staff two", "staff three"])
      expect((await send(p("okafor"), room, text)).status).toBe(201);
    // Off again: Sam may post.
    expectStatus(await p("rivera").api.put(`/api/v1/conversations/${room}/slow-mode`, { seconds: 0 }), 200);
    expect((await send(p("sam"), room, "second")).status).toBe(201);
  });

  it("sends made at the same moment do not all slip through", async () => {
    const room = await newGroup("Slow burst room");
    expectStatus(await p("rivera").api.put(`/api/v1/conversations/${room}/slow-mode`, { seconds: 60 }), 200);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => send(p("sam"), room, `burst ${i}`)),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 429, 429, 429, 429]);
  });

  it("is set by those who moderate the group only; not for direct conversations", async () => {
    const room = await newGroup("Slow rules room");
    const put = (as: SignedIn, seconds: number) =>
      as.api.put(`/api/v1/conversations/${room}/slow-mode`, { seconds });
    expectError(await put(p("sam"), 10), 403, "FORBIDDEN");
    expectError(await put(p("okafor"), 10), 403, "FORBIDDEN");
    expectError(await put(p("pat"), 10), 404, "CONVERSATION_NOT_FOUND");
    expect((await put(p("gia"), 10)).status).toBe(200);
    expectError(await put(p("rivera"), 86_401), 400, "VALIDATION_FAILED");
    const direct = expectStatus<ConversationSummary>(
      await p("okafor").api.post("/api/v1/conversations/direct", { userId: p("tia").id }),
      201,
    );
    expectError(
      await admin.put(`/api/v1/conversations/${direct.id}/slow-mode`, { seconds: 10 }),
      409,
      "CONVERSATION_KIND_MISMATCH",
    );
  });
});

describe("the audit log", () => {
  it("holds every one of these actions, with who did it", async () => {
    const rows = await queryDb<{ action: string; actor_id: string | null; actor_kind: string }>(
      server.databaseUrl,
      "SELECT action, actor_id, actor_kind FROM audit_log ORDER BY id",
    );
    const by = (action: string) => rows.filter((r) => r.action === action);
    const expected: Record<string, [string | null, string]> = {
      "word-filter.added": [adminId, "user"],
      "word-filter.changed": [adminId, "user"],
      "word-filter.removed": [adminId, "user"],
      "message.rejected": [p("sam").id, "user"],
      "message.flagged": [null, "system"],
      "message.reported": [p("tia").id, "user"],
      "report.resolved": [p("gia").id, "user"],
      "message.removed": [adminId, "user"],
      "message.deleted": [p("tia").id, "user"],
      "member.muted": [p("rivera").id, "user"],
      "member.unmuted": [p("rivera").id, "user"],
      "member.banned": [p("rivera").id, "user"],
      "member.unbanned": [p("rivera").id, "user"],
      "conversation.slow-mode-set": [p("rivera").id, "user"],
    };
    for (const [action, [actorId, actorKind]] of Object.entries(expected)) {
      expect(by(action).length, action).toBeGreaterThan(0);
      expect(
        by(action).some((r) => r.actor_id === actorId && r.actor_kind === actorKind),
        action,
      ).toBe(true);
    }
    // Refusals change nothing, so they are not in it as actions: nobody muted anyone in "No mute room".
    const [{ n }] = await queryDb(
      server.databaseUrl,
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'member.muted' AND actor_id <> $1",
      [p("rivera").id],
    );
    expect(n).toBe(0);
  });

  it("never holds a message's text", async () => {
    const [{ n }] = await queryDb(
      server.databaseUrl,
      "SELECT count(*)::int AS n FROM audit_log WHERE details::text ILIKE '%smells%' OR details::text ILIKE '%the gate%'",
    );
    expect(n).toBe(0);
  });

  it("refuses UPDATE, DELETE and TRUNCATE, even to the application's own database user", async () => {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      const [{ n: before }] = (await client.query("SELECT count(*)::int AS n FROM audit_log")).rows;
      for (const statement of [
        "UPDATE audit_log SET action = 'nothing happened'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
      ])
        await expect(client.query(statement), statement).rejects.toThrow(/append-only/);
      const [{ n: after }] = (await client.query("SELECT count(*)::int AS n FROM audit_log")).rows;
      expect(after).toBe(before);
    } finally {
      await client.end();
    }
  });
});
