import type { ConversationSummary, Message } from "@hallway/protocol";
import { MAX_TEXT_LENGTH } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import {
  type ConversationList,
  enrol,
  expectError,
  type MessagePage,
  newClientId,
  type SendMessageResult,
  type SignedIn,
  signInTrusted,
  TRUSTED_SECRET,
  trustedToken,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(
    server.url,
    admin,
    ["amy", "ben", "cal", "deb", "eli", "flo"].map((n) => ({
      externalId: `M-${n}`,
      role: "teacher",
      displayName: n.toUpperCase(),
    })),
  );
});
afterAll(() => server.close());

const p = (name: string) => people[`M-${name}`]!;

async function group(by: SignedIn, name: string, members: SignedIn[]): Promise<string> {
  const res = await by.api.post<ConversationSummary>("/api/v1/conversations", {
    name,
    memberIds: members.map((m) => m.id),
  });
  return expectStatus(res, 201).id;
}

function send(as: SignedIn, conversationId: string, text: string, clientId = newClientId()) {
  return as.api.post<SendMessageResult>(`/api/v1/conversations/${conversationId}/messages`, {
    clientId,
    text,
  });
}

async function all(as: SignedIn, conversationId: string): Promise<Message[]> {
  const out: Message[] = [];
  let after = 0;
  for (;;) {
    const page = expectStatus<MessagePage>(
      await as.api.get(`/api/v1/conversations/${conversationId}/messages?after=${after}&limit=200`),
      200,
    );
    out.push(...page.messages);
    if (!page.hasMore) return out;
    after = page.messages.at(-1)!.seq;
  }
}

async function summary(as: SignedIn, conversationId: string) {
  const list = expectStatus<ConversationList>(await as.api.get("/api/v1/conversations?archived=all"), 200);
  return { list, conversation: list.conversations.find((c) => c.id === conversationId)! };
}

describe("sending", () => {
  it("returns 201 with the stored message and its sequence number", async () => {
    const id = await group(p("amy"), "Send", [p("ben")]);
    const res = await send(p("amy"), id, "Hello class");
    const { message, duplicate } = expectStatus(res, 201);
    expect(duplicate).toBe(false);
    expect(message).toMatchObject({
      conversationId: id,
      seq: 2,
      senderId: p("amy").id,
      kind: "text",
      text: "Hello class",
      system: null,
    });
    expect(Date.now() - Date.parse(message.createdAt)).toBeLessThan(60_000);
    const fetched = expectStatus(
      await p("ben").api.get(`/api/v1/conversations/${id}/messages/${message.id}`),
      200,
    );
    expect(fetched).toEqual(message);
  });

  it("a retry with the same client id returns the first message, marked duplicate, stored once", async () => {
    const id = await group(p("amy"), "Retry", [p("ben")]);
    const clientId = newClientId("retry");
    const first = expectStatus(await send(p("amy"), id, "Bring your PE kit", clientId), 201);
    const retry = await send(p("amy"), id, "Bring your PE kit", clientId);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ message: first.message, duplicate: true });
    const texts = (await all(p("ben"), id)).filter((m) => m.kind === "text");
    expect(texts).toEqual([first.message]);
  });

  it("twenty sends at once with one client id land once", async () => {
    const id = await group(p("amy"), "Storm", [p("ben")]);
    const clientId = newClientId("storm");
    const results = await Promise.all(
      Array.from({ length: 20 }, () => send(p("amy"), id, "Only once", clientId)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => r.body.message.id)).size).toBe(1);
    expect(results.filter((r) => r.body.duplicate)).toHaveLength(19);
    expect((await all(p("ben"), id)).filter((m) => m.kind === "text")).toHaveLength(1);
  });

  it("a client id reused for a different message is a conflict; other senders have their own ids", async () => {
    const id = await group(p("amy"), "Conflict", [p("ben")]);
    const other = await group(p("amy"), "Conflict 2", [p("ben")]);
    const clientId = newClientId("same");
    expectStatus(await send(p("amy"), id, "First text", clientId), 201);
    expectError(await send(p("amy"), id, "Second text", clientId), 409, "IDEMPOTENCY_CONFLICT");
    expectError(await send(p("amy"), other, "First text", clientId), 409, "IDEMPOTENCY_CONFLICT");
    // Ben happens to pick the same client id: a different sender, a different message.
    const bens = expectStatus(await send(p("ben"), id, "Ben's text", clientId), 201);
    expect(bens.duplicate).toBe(false);
    expect((await all(p("amy"), id)).filter((m) => m.kind === "text").map((m) => m.text)).toEqual([
      "First text",
      "Ben's text",
    ]);
  });

  it("two hundred concurrent sends from several people get gap-free, unique sequence numbers", async () => {
    const senders = ["amy", "ben", "cal", "deb"].map(p);
    const id = await group(p("amy"), "Busy", senders.slice(1));
    const sends = senders.flatMap((s, i) =>
      Array.from({ length: 50 }, (_, k) => send(s, id, `message ${k} from ${i}`, newClientId(`busy${i}`))),
    );
    const results = await Promise.all(sends);
    for (const r of results) expect(r.status).toBe(201);
    const seqs = results.map((r) => r.body.message.seq).sort((a, b) => a - b);
    // Seq 1 is the group's creation notice.
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));

    const log = await all(p("deb"), id);
    expect(log.map((m) => m.seq)).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    expect(log.filter((m) => m.kind === "text")).toHaveLength(200);
    // Every message of every sender is there, once.
    for (const [i, s] of senders.entries()) {
      const mine = log.filter((m) => m.senderId === s.id).map((m) => m.text);
      expect(new Set(mine)).toEqual(new Set(Array.from({ length: 50 }, (_, k) => `message ${k} from ${i}`)));
    }
    expect((await summary(p("deb"), id)).conversation.lastSeq).toBe(201);
  });

  it("sending to a conversation that is not mine, or does not exist, is CONVERSATION_NOT_FOUND", async () => {
    const id = await group(p("amy"), "Private", [p("ben")]);
    expectError(await send(p("cal"), id, "let me in"), 404, "CONVERSATION_NOT_FOUND");
    expectError(
      await send(p("cal"), "8d7f6e5d-4c3b-4a29-8f17-0e6d5c4b3a29", "anyone?"),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expect((await all(p("amy"), id)).map((m) => m.text)).not.toContain("let me in");
  });
});

describe("what a message may say", () => {
  let id: string;
  beforeAll(async () => {
    id = await group(p("amy"), "Texts", [p("ben")]);
  });

  it.each([
    ["empty", ""],
    ["only spaces", "   "],
    ["only whitespace and newlines", " \n\t \n"],
    ["one character too long", "x".repeat(MAX_TEXT_LENGTH + 1)],
    ["NUL", "hello\u0000world"],
    ["BEL", "ding\u0007"],
    ["ESC (terminal escapes)", "\u001b[31mred\u001b[0m"],
    ["DEL", "oops\u007f"],
    ["a C1 control", "x\u0085y"],
  ])("refuses %s with VALIDATION_FAILED", async (_name, text) => {
    const res = await send(p("amy"), id, text);
    expectError(res, 400, "VALIDATION_FAILED");
    expect((res.body as any).error.details.issues[0].path).toBe("body.text");
  });

  it.each([
    ["newlines and tabs", "Line one\n\tindented line two\n\nparagraph"],
    ["emoji and other scripts", "Well done! 🎉👩🏽‍🏫 — مرحبا, 你好, Grüße"],
    ["leading and trailing spaces", "  spaced out  "],
    ["exactly the longest text", "y".repeat(MAX_TEXT_LENGTH)],
    ["markup, as plain text", "<script>alert(1)</script> **bold** & 'quotes'"],
  ])("keeps %s verbatim", async (_name, text) => {
    const { message } = expectStatus(await send(p("amy"), id, text), 201);
    expect(message.text).toBe(text);
    const fetched = expectStatus<Message>(
      await p("ben").api.get(`/api/v1/conversations/${id}/messages/${message.id}`),
      200,
    );
    expect(fetched.text).toBe(text);
  });

  it("refuses a bad client id", async () => {
    for (const clientId of ["short", "has space in it", "x".repeat(65), "ünïcödé-id-123", 12345678]) {
      const res = await p("amy").api.post(`/api/v1/conversations/${id}/messages`, { clientId, text: "hi" });
      expectError(res, 400, "VALIDATION_FAILED");
    }
  });
});

describe("history", () => {
  let id: string;
  let texts: Message[];
  beforeAll(async () => {
    id = await group(p("amy"), "History", [p("ben")]);
    // Seq 1 is the creation notice; 2..26 are 25 texts.
    for (let i = 1; i <= 25; i++) expectStatus(await send(i % 2 ? p("amy") : p("ben"), id, `#${i}`), 201);
    texts = (await all(p("ben"), id)).filter((m) => m.kind === "text");
  });

  const page = async (query: string) =>
    expectStatus<MessagePage>(await p("ben").api.get(`/api/v1/conversations/${id}/messages?${query}`), 200);
  const seqs = (pg: MessagePage) => pg.messages.map((m) => m.seq);

  it("without a position gives the newest page, ascending", async () => {
    const newest = await page("limit=10");
    expect(seqs(newest)).toEqual([17, 18, 19, 20, 21, 22, 23, 24, 25, 26]);
    expect(newest.hasMore).toBe(true);
    const whole = await page("");
    expect(seqs(whole)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    expect(whole.hasMore).toBe(false);
  });

  it("pages backward with before until hasMore is false", async () => {
    const collected: number[] = [];
    let before = 27;
    let hasMore = true;
    let pages = 0;
    while (hasMore) {
      const pg = await page(`before=${before}&limit=10`);
      expect(seqs(pg)).toEqual([...seqs(pg)].sort((a, b) => a - b));
      collected.unshift(...seqs(pg));
      hasMore = pg.hasMore;
      before = pg.messages[0]!.seq;
      pages++;
    }
    expect(pages).toBe(3);
    expect(collected).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    expect((await page("before=1")).messages).toEqual([]);
  });

  it("pages forward with after until hasMore is false", async () => {
    const first = await page("after=0&limit=10");
    expect(seqs(first)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(first.hasMore).toBe(true);
    const last = await page("after=20&limit=10");
    expect(seqs(last)).toEqual([21, 22, 23, 24, 25, 26]);
    expect(last.hasMore).toBe(false);
    const exact = await page("after=16&limit=10");
    expect(seqs(exact)).toEqual([17, 18, 19, 20, 21, 22, 23, 24, 25, 26]);
    expect(exact.hasMore).toBe(false);
    expect(await page("after=26")).toEqual({ messages: [], hasMore: false });
    expect(await page("after=1000")).toEqual({ messages: [], hasMore: false });
  });

  it("pages hold the same messages whichever way they are read", async () => {
    const forward = [
      ...(await page("after=0&limit=13")).messages,
      ...(await page("after=13&limit=13")).messages,
    ];
    const backward = [
      ...(await page("before=14&limit=13")).messages,
      ...(await page("before=27&limit=13")).messages,
    ];
    expect(forward).toEqual(backward);
    expect(forward.filter((m) => m.kind === "text")).toEqual(texts);
  });

  it("refuses a bad position or limit", async () => {
    for (const query of [
      "limit=0",
      "limit=201",
      "limit=ten",
      "before=0",
      "after=-1",
      "before=5&after=1",
      "since=3",
    ]) {
      expectError(
        await p("ben").api.get(`/api/v1/conversations/${id}/messages?${query}`),
        400,
        "VALIDATION_FAILED",
      );
    }
  });

  it("one message by id, only from its own conversation", async () => {
    const target = texts[4]!;
    expect(
      expectStatus(await p("amy").api.get(`/api/v1/conversations/${id}/messages/${target.id}`), 200),
    ).toEqual(target);
    // A message of a conversation Cal and Deb share, asked for through one of Amy's.
    const theirs = await group(p("cal"), "Cal and Deb", [p("deb")]);
    const secret = expectStatus(await send(p("cal"), theirs, "between us"), 201).message;
    const wrongPath = await p("amy").api.get(`/api/v1/conversations/${id}/messages/${secret.id}`);
    expectError(wrongPath, 404, "MESSAGE_NOT_FOUND");
    expect(JSON.stringify(wrongPath.body)).not.toContain("between us");
    expectError(
      await p("amy").api.get(`/api/v1/conversations/${theirs}/messages/${secret.id}`),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expectError(
      await p("amy").api.get(`/api/v1/conversations/${id}/messages/5b0e8a8e-1f3c-4d4e-9a6b-7c8d9e0f1a2b`),
      404,
      "MESSAGE_NOT_FOUND",
    );
  });
});

describe("unread counts", () => {
  it("count others' messages after my read position, never my own", async () => {
    const [eli, flo, amy] = [p("eli"), p("flo"), p("amy")];
    const id = await group(eli, "Unread", [flo, amy]);
    const before = await summary(flo, id);
    expect(before.conversation.unreadCount).toBe(0);

    for (const text of ["one", "two", "three"]) expectStatus(await send(eli, id, text), 201);
    const floView = await summary(flo, id);
    expect(floView.conversation).toMatchObject({ unreadCount: 3, me: { lastReadSeq: 0 } });
    expect(floView.list.totalUnread).toBe(before.list.totalUnread + 3);
    // The sender has nothing unread.
    expect((await summary(eli, id)).conversation.unreadCount).toBe(0);

    // Replying reads what came before: Flo's own message moves Flo's position.
    expectStatus(await send(flo, id, "got it"), 201);
    const afterReply = await summary(flo, id);
    expect(afterReply.conversation).toMatchObject({ unreadCount: 0, me: { lastReadSeq: 5 } });
    expect(afterReply.list.totalUnread).toBe(before.list.totalUnread);
    // Amy has all four unread; Eli has Flo's one.
    expect((await summary(amy, id)).conversation.unreadCount).toBe(4);
    expect((await summary(eli, id)).conversation.unreadCount).toBe(1);
  });

  it("system notices are not unread messages", async () => {
    const [eli, flo, deb] = [p("eli"), p("flo"), p("deb")];
    const id = await group(eli, "Notices", [flo]);
    expectStatus(await eli.api.post(`/api/v1/conversations/${id}/members`, { userIds: [deb.id] }), 200);
    expect((await summary(flo, id)).conversation).toMatchObject({ unreadCount: 0, lastSeq: 2 });
  });

  it("someone added to a group later does not inherit its old messages as unread", async () => {
    const [eli, flo, cal] = [p("eli"), p("flo"), p("cal")];
    const id = await group(eli, "Late joiner", [flo]);
    for (const text of ["a", "b", "c"]) expectStatus(await send(eli, id, text), 201);
    expectStatus(await eli.api.post(`/api/v1/conversations/${id}/members`, { userIds: [cal.id] }), 200);
    expect((await summary(cal, id)).conversation.unreadCount).toBe(0);
    // But what comes after does count, and the history before joining is readable.
    expectStatus(await send(eli, id, "welcome, Cal"), 201);
    expect((await summary(cal, id)).conversation.unreadCount).toBe(1);
    expect((await all(cal, id)).filter((m) => m.kind === "text").map((m) => m.text)).toEqual([
      "a",
      "b",
      "c",
      "welcome, Cal",
    ]);
  });

  it("someone who joins the school later does not inherit the school-wide group's old posts as unread", async () => {
    const list = expectStatus<ConversationList>(await p("amy").api.get("/api/v1/conversations"), 200);
    const everyone = list.conversations.find((c) => c.kind === "primary")!;
    // The school's admin posts to everyone (the policy keeps the school-wide group for a few roles).
    for (const text of ["Welcome back!", "Sports day is on Friday"])
      expectStatus(
        await admin.post(`/api/v1/conversations/${everyone.id}/messages`, { clientId: newClientId(), text }),
        201,
      );
    expect((await summary(p("ben"), everyone.id)).conversation.unreadCount).toBeGreaterThanOrEqual(2);

    expectStatus(
      await admin.post("/api/v1/directory/sync", {
        users: [{ externalId: "M-new", role: "student", displayName: "New Kid" }],
      }),
      200,
    );
    const newcomer = await signInTrusted(server.url, await trustedToken({ sub: "M-new", role: "student" }));
    expect((await summary(newcomer, everyone.id)).conversation.unreadCount).toBe(0);
    expectStatus(
      await admin.post(`/api/v1/conversations/${everyone.id}/messages`, {
        clientId: newClientId(),
        text: "Please welcome our new students",
      }),
      201,
    );
    expect((await summary(newcomer, everyone.id)).conversation.unreadCount).toBe(1);
  });
});
