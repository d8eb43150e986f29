import type { ConversationSummary, Message } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import {
  enrol,
  expectError,
  newClientId,
  queryDb,
  type SendMessageResult,
  type SignedIn,
  TRUSTED_SECRET,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { connect, conversations, eventually, history } from "./school-fixtures.ts";

/**
 * Threads, edits and mentions (issue 6, points 4–6), and who reacted (point 3). Ms Rivera's
 * class group: Rivera (teacher, its admin), Mr Okafor (teacher), students Sam and Tia. Pat
 * is Sam's parent and in none of it; Ms Gia (guidance) moderates anywhere.
 */

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;
const p = (id: string) => people[id]!;
let group: string;
let usernames: Record<string, string>;

const PEOPLE = [
  { externalId: "rivera", role: "teacher", displayName: "Ms Rivera", username: "rivera" },
  { externalId: "okafor", role: "teacher", displayName: "Mr Okafor", username: "okafor" },
  { externalId: "sam", role: "student", displayName: "Sam", username: "sam.k" },
  { externalId: "tia", role: "student", displayName: "Tia", username: "Tia_M" },
  { externalId: "pat", role: "parent", displayName: "Pat", username: "pat" },
  { externalId: "gia", role: "guidance", displayName: "Ms Gia", username: "gia" },
];

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(server.url, admin, PEOPLE);
  usernames = Object.fromEntries(PEOPLE.map((person) => [person.externalId, person.username]));
  group = expectStatus(
    await p("rivera").api.post<ConversationSummary>("/api/v1/conversations", {
      name: "Form 7A",
      memberIds: ["okafor", "sam", "tia"].map((id) => p(id).id),
    }),
    201,
  ).id;
});
afterAll(() => server.close());

function post(as: SignedIn, body: object, conversationId = group) {
  return as.api.post<SendMessageResult>(`/api/v1/conversations/${conversationId}/messages`, {
    clientId: newClientId(),
    ...body,
  });
}

async function sent(as: SignedIn, body: object, conversationId = group): Promise<Message> {
  return expectStatus(await post(as, body, conversationId), 201).message;
}

function edit(as: SignedIn, message: Message, text: string) {
  return as.api.patch<{ message: Message }>(
    `/api/v1/conversations/${message.conversationId}/messages/${message.id}`,
    { text },
  );
}

function thread(as: SignedIn, parent: Message, query = "") {
  return as.api.get<{ parent: Message; replies: Message[]; hasMore: boolean }>(
    `/api/v1/conversations/${parent.conversationId}/messages/${parent.id}/replies${query}`,
  );
}

/** The direct conversation of two people, opened now or earlier. */
async function openDirect(from: SignedIn, to: SignedIn): Promise<ConversationSummary> {
  const res = await from.api.post<ConversationSummary>("/api/v1/conversations/direct", { userId: to.id });
  return expectStatus(res, res.status === 200 ? 200 : 201);
}

async function summaryOf(as: SignedIn, conversationId = group): Promise<ConversationSummary> {
  return (await conversations(as.api)).find((c) => c.id === conversationId)!;
}

async function markAllRead(as: SignedIn, conversationId = group): Promise<void> {
  const { lastSeq } = await summaryOf(as, conversationId);
  expectStatus(await as.api.post(`/api/v1/conversations/${conversationId}/read`, { seq: lastSeq }), 200);
}

describe("threads", () => {
  it("a reply names its parent; the parent counts replies and knows the last one; the thread pages in order", async () => {
    const parent = await sent(p("rivera"), { text: "Trip forms are due Friday" });
    expect(parent).toMatchObject({ parentId: null, replyCount: 0, lastReplyAt: null });
    const first = await sent(p("sam"), { text: "Can I bring it Monday?", parentId: parent.id });
    const second = await sent(p("rivera"), { text: "Friday please", parentId: parent.id });
    const third = await sent(p("tia"), { text: "Mine is in", parentId: parent.id });
    expect(first.parentId).toBe(parent.id);

    const page = expectStatus(await thread(p("okafor"), parent), 200);
    expect(page.parent).toMatchObject({ id: parent.id, replyCount: 3, lastReplyAt: third.createdAt });
    expect(page.replies.map((m) => m.text)).toEqual([
      "Can I bring it Monday?",
      "Friday please",
      "Mine is in",
    ]);
    expect(page.hasMore).toBe(false);
    const paged = expectStatus(await thread(p("okafor"), parent, `?after=${first.seq}&limit=1`), 200);
    expect(paged.replies.map((m) => m.id)).toEqual([second.id]);
    expect(paged.hasMore).toBe(true);

    // History is the whole log: the parent as it is now, replies in their places.
    const all = await history(p("tia").api, group);
    expect(all.find((m) => m.id === parent.id)).toMatchObject({ replyCount: 3 });
    expect(all.filter((m) => m.parentId === parent.id)).toHaveLength(3);
  });

  it("replies go to top-level messages of the same conversation only", async () => {
    const parent = await sent(p("rivera"), { text: "Reading list" });
    const reply = await sent(p("sam"), { text: "Thanks", parentId: parent.id });
    expectError(await post(p("tia"), { text: "nested", parentId: reply.id }), 400, "NOT_A_THREAD");
    const [notice] = await history(p("tia").api, group);
    expect(notice?.kind).toBe("system");
    expectError(await post(p("tia"), { text: "to a notice", parentId: notice!.id }), 400, "NOT_A_THREAD");
    const gone = await sent(p("tia"), { text: "oops" });
    expectStatus(await p("tia").api.delete(`/api/v1/conversations/${group}/messages/${gone.id}`), 200);
    expectError(await post(p("sam"), { text: "to a tombstone", parentId: gone.id }), 400, "NOT_A_THREAD");
    expectError(await thread(p("sam"), reply), 400, "NOT_A_THREAD");

    // A parent from another conversation, or an id that is nothing: no such message here.
    const direct = await openDirect(p("rivera"), p("okafor"));
    const elsewhere = await sent(p("rivera"), { text: "staff only" }, direct.id);
    expectError(await post(p("sam"), { text: "hi", parentId: elsewhere.id }), 404, "MESSAGE_NOT_FOUND");
    expectError(
      await post(p("sam"), { text: "hi", parentId: crypto.randomUUID() }),
      404,
      "MESSAGE_NOT_FOUND",
    );
    // Someone outside the conversation sees neither the thread nor that it exists.
    expectError(await thread(p("pat"), parent), 404, "CONVERSATION_NOT_FOUND");
    expectError(await post(p("pat"), { text: "hi", parentId: parent.id }), 404, "CONVERSATION_NOT_FOUND");
    expectError(await thread(p("sam"), elsewhere), 404, "CONVERSATION_NOT_FOUND");
  });

  it("a muted member can neither post nor reply", async () => {
    const parent = await sent(p("rivera"), { text: "Quiet please" });
    expectStatus(
      await p("rivera").api.post(`/api/v1/conversations/${group}/members/${p("tia").id}/mute`, {
        minutes: 5,
      }),
      200,
    );
    try {
      expectError(await post(p("tia"), { text: "but", parentId: parent.id }), 403, "FORBIDDEN");
      expectError(await post(p("tia"), { text: "but" }), 403, "FORBIDDEN");
    } finally {
      expectStatus(
        await p("rivera").api.post(`/api/v1/conversations/${group}/members/${p("tia").id}/unmute`, {}),
        200,
      );
    }
  });

  it("over WebSocket: a reply is sent with parentId and reaches members live; thread.fetch reads it", async () => {
    const okafor = await connect(server.url, p("okafor").session);
    const sam = await connect(server.url, p("sam").session);
    try {
      const parent = await sent(p("rivera"), { text: "Who has the projector?" });
      const reply = await sam.client.request("message.send", {
        conversationId: group,
        clientId: newClientId(),
        text: "It is in room 4",
        parentId: parent.id,
      });
      expect(reply.message).toMatchObject({ parentId: parent.id, text: "It is in room 4" });
      await eventually(() =>
        expect(
          okafor.events.find((e) => e.ev === "message.created" && e.data.id === reply.message.id)?.data,
        ).toMatchObject({ parentId: parent.id }),
      );
      const fetched = await okafor.client.request("thread.fetch", {
        conversationId: group,
        messageId: parent.id,
      });
      expect(fetched.parent.replyCount).toBe(1);
      expect(fetched.replies.map((m) => m.id)).toEqual([reply.message.id]);
    } finally {
      okafor.client.disconnect();
      sam.client.disconnect();
    }
  });
});

describe("editing", () => {
  it("the author changes the text: 'edited' shows, members get message.edited, moderators can read the history", async () => {
    const okafor = await connect(server.url, p("okafor").session);
    try {
      const original = await sent(p("sam"), { text: "The test is on Tuesday" });
      const { message } = expectStatus(await edit(p("sam"), original, "The test is on Thursday"), 200);
      expect(message).toMatchObject({ id: original.id, seq: original.seq, text: "The test is on Thursday" });
      expect(message.editedAt).not.toBeNull();
      await eventually(() =>
        expect(okafor.events.find((e) => e.ev === "message.edited")?.data).toEqual({
          conversationId: group,
          seq: expect.any(Number),
          messageId: original.id,
          messageSeq: original.seq,
          text: "The test is on Thursday",
          mentions: [],
          mentionsEveryone: false,
          editedAt: message.editedAt,
        }),
      );
      const seen = (await history(p("tia").api, group)).find((m) => m.id === original.id)!;
      expect(seen).toMatchObject({ text: "The test is on Thursday", editedAt: message.editedAt });

      // The earlier text is for moderators (guidance here), not for members, the author included.
      const edits = `/api/v1/conversations/${group}/messages/${original.id}/edits`;
      expect(expectStatus(await p("gia").api.get(edits), 200)).toEqual({
        messageId: original.id,
        edits: [
          { previousText: "The test is on Tuesday", editorId: p("sam").id, editedAt: message.editedAt },
        ],
      });
      expectError(await p("sam").api.get(edits), 403, "FORBIDDEN");
      expectError(await p("tia").api.get(edits), 403, "FORBIDDEN");
      expectError(await p("pat").api.get(edits), 404, "CONVERSATION_NOT_FOUND");

      const [audited] = await queryDb(
        server.databaseUrl,
        "SELECT actor_id, details FROM audit_log WHERE action = 'message.edited' AND target_id = $1",
        [original.id],
      );
      expect(audited).toMatchObject({
        actor_id: p("sam").id,
        details: { conversationId: group, seq: original.seq },
      });
    } finally {
      okafor.client.disconnect();
    }
  });

  it("only the author edits, only text messages, never a tombstone; the same text changes nothing", async () => {
    const mine = await sent(p("tia"), { text: "Library at 3" });
    expectError(await edit(p("rivera"), mine, "Library at 4"), 403, "MESSAGE_NOT_EDITABLE");
    expectError(await edit(p("gia"), mine, "Library at 4"), 404, "CONVERSATION_NOT_FOUND");
    expectError(await edit(p("pat"), mine, "Library at 4"), 404, "CONVERSATION_NOT_FOUND");
    const [notice] = await history(p("rivera").api, group);
    expectError(await edit(p("rivera"), notice!, "rewritten"), 403, "MESSAGE_NOT_EDITABLE");
    expectError(
      await p("tia").api.patch(`/api/v1/conversations/${group}/messages/${crypto.randomUUID()}`, {
        text: "x",
      }),
      404,
      "MESSAGE_NOT_FOUND",
    );
    expectError(await edit(p("tia"), mine, "   "), 400, "VALIDATION_FAILED");

    const before = (await summaryOf(p("tia"))).lastSeq;
    expect(expectStatus(await edit(p("tia"), mine, "Library at 3"), 200).message.editedAt).toBeNull();
    expect((await summaryOf(p("tia"))).lastSeq).toBe(before);

    expectStatus(await p("tia").api.delete(`/api/v1/conversations/${group}/messages/${mine.id}`), 200);
    expectError(await edit(p("tia"), mine, "Library at 5"), 403, "MESSAGE_NOT_EDITABLE");
  });

  it("an edit goes through the word filter: rejected words are refused, flagged ones reported", async () => {
    const rejected = expectStatus(
      await admin.post("/api/v1/moderation/word-filters", { pattern: "dumbo", action: "reject" }),
      201,
    );
    const flagged = expectStatus(
      await admin.post("/api/v1/moderation/word-filters", { pattern: "meet me outside", action: "flag" }),
      201,
    );
    try {
      const message = await sent(p("sam"), { text: "See you at lunch" });
      expectError(await edit(p("sam"), message, "See you dumbo"), 422, "MESSAGE_REJECTED");
      expect((await history(p("okafor").api, group)).find((m) => m.id === message.id)?.text).toBe(
        "See you at lunch",
      );
      expectStatus(await edit(p("sam"), message, "meet me outside after school"), 200);
      const reports = await queryDb(server.databaseUrl, "SELECT reason FROM reports WHERE message_id = $1", [
        message.id,
      ]);
      expect(reports).toEqual([{ reason: expect.stringContaining("after an edit") }]);
    } finally {
      for (const filter of [rejected, flagged])
        expectStatus(
          await admin.delete(`/api/v1/moderation/word-filters/${(filter as { id: string }).id}`),
          204,
        );
    }
  });

  it("a send retried after its message was edited is still the same send", async () => {
    const clientId = newClientId();
    const body = { clientId, text: "Meet at the gate" };
    const url = `/api/v1/conversations/${group}/messages`;
    const first = expectStatus(await p("sam").api.post<SendMessageResult>(url, body), 201).message;
    expectStatus(await edit(p("sam"), first, "Meet at the north gate"), 200);
    const retry = expectStatus(await p("sam").api.post<SendMessageResult>(url, body), 200);
    expect(retry).toMatchObject({
      duplicate: true,
      message: { id: first.id, text: "Meet at the north gate" },
    });
    // Another conversation with the same client id is still a conflict.
    const direct = await openDirect(p("sam"), p("rivera"));
    expectError(
      await p("sam").api.post(`/api/v1/conversations/${direct.id}/messages`, body),
      409,
      "IDEMPOTENCY_CONFLICT",
    );
  });

  it("over WebSocket with message.edit", async () => {
    const sam = await connect(server.url, p("sam").session);
    try {
      const message = await sent(p("sam"), { text: "Homework: page 12" });
      const { message: edited } = await sam.client.request("message.edit", {
        conversationId: group,
        messageId: message.id,
        text: "Homework: page 14",
      });
      expect(edited).toMatchObject({ text: "Homework: page 14", editedAt: expect.any(String) });
    } finally {
      sam.client.disconnect();
    }
  });
});

describe("mentions", () => {
  it("@username mentions a member (any case); strangers and non-members stay plain text", async () => {
    const message = await sent(p("rivera"), {
      text: `@${usernames.sam} and @tia_m, see @${usernames.pat} and @nobody, mail ana@school.org`,
    });
    expect(message.mentions).toEqual([p("sam").id, p("tia").id]);
    expect(message.mentionsEveryone).toBe(false);
  });

  it("counts unread mentions per member until they read; the sender's own mention does not count", async () => {
    for (const who of ["rivera", "okafor", "sam", "tia"]) await markAllRead(p(who));
    await sent(p("okafor"), { text: `@${usernames.sam} your essay please` });
    await sent(p("okafor"), { text: `@${usernames.sam} and @${usernames.okafor}: room 2` });
    expect((await summaryOf(p("sam"))).mentionCount).toBe(2);
    expect((await summaryOf(p("okafor"))).mentionCount).toBe(0);
    expect((await summaryOf(p("tia"))).mentionCount).toBe(0);
    await markAllRead(p("sam"));
    expect((await summaryOf(p("sam"))).mentionCount).toBe(0);
  });

  it("@everyone is for staff by default: a student is refused and nothing is stored", async () => {
    for (const who of ["sam", "tia"]) await markAllRead(p(who));
    const everyone = await sent(p("rivera"), { text: "@everyone bring a calculator" });
    expect(everyone.mentionsEveryone).toBe(true);
    expect((await summaryOf(p("tia"))).mentionCount).toBe(1);
    expect((await summaryOf(p("sam"))).mentionCount).toBe(1);

    const before = (await summaryOf(p("sam"))).lastSeq;
    expectError(await post(p("sam"), { text: "@all party at mine" }), 403, "MENTION_EVERYONE_REFUSED");
    expect((await summaryOf(p("sam"))).lastSeq).toBe(before);
    // Editing a message into @everyone is refused the same way.
    const plain = await sent(p("sam"), { text: "party at mine" });
    expectError(await edit(p("sam"), plain, "@everyone party at mine"), 403, "MENTION_EVERYONE_REFUSED");
  });

  it("an edit re-resolves mentions", async () => {
    const message = await sent(p("rivera"), { text: `@${usernames.sam} please stay after class` });
    const { message: edited } = expectStatus(
      await edit(p("rivera"), message, `@${usernames.tia} please stay after class`),
      200,
    );
    expect(edited.mentions).toEqual([p("tia").id]);
  });
});

describe("sending", () => {
  it("needs text or attachments; attachment ids must be the sender's own uploads", async () => {
    expectError(await post(p("sam"), {}), 400, "VALIDATION_FAILED");
    expectError(await post(p("sam"), { attachmentIds: [] }), 400, "VALIDATION_FAILED");
    const unknown = crypto.randomUUID();
    expectError(await post(p("sam"), { attachmentIds: [unknown] }), 404, "ATTACHMENT_NOT_FOUND");
    expectError(
      await post(p("sam"), { text: "x", attachmentIds: [unknown, unknown] }),
      400,
      "VALIDATION_FAILED",
    );
    expectError(
      await post(p("sam"), {
        text: "x",
        attachmentIds: Array.from({ length: 11 }, () => crypto.randomUUID()),
      }),
      400,
      "VALIDATION_FAILED",
    );
  });
});

describe("sending attachments", () => {
  /** An upload row as the upload endpoint leaves it (the bytes do not matter to sending). */
  async function uploaded(as: SignedIn, kind: "image" | "file", conversationId = group): Promise<string> {
    const [row] = await queryDb<{ id: string }>(
      server.databaseUrl,
      `INSERT INTO attachments (conversation_id, uploader_id, storage_key, name, mime, kind, size, width, height)
       VALUES ($1, $2, repeat('a', 64), $3, $4, $5, 1234, $6, $6) RETURNING id`,
      [
        conversationId,
        as.id,
        kind === "image" ? "volcano.png" : "worksheet.pdf",
        kind === "image" ? "image/png" : "application/pdf",
        kind,
        kind === "image" ? 640 : null,
      ],
    );
    return row!.id;
  }

  it("the message takes the attachments' kind and shows them in order; a retry lands once; reuse is refused", async () => {
    const image = await uploaded(p("sam"), "image");
    const pdf = await uploaded(p("sam"), "file");
    const clientId = newClientId();
    const body = { clientId, text: "My volcano project", attachmentIds: [image, pdf] };
    const first = expectStatus(
      await p("sam").api.post<SendMessageResult>(`/api/v1/conversations/${group}/messages`, body),
      201,
    ).message;
    expect(first.kind).toBe("file");
    expect(first.attachments.map((a) => [a.id, a.name, a.kind, a.width])).toEqual([
      [image, "volcano.png", "image", 640],
      [pdf, "worksheet.pdf", "file", null],
    ]);
    // The ack was lost: the retry, with the same client id, finds the first message.
    const retry = expectStatus(
      await p("sam").api.post<SendMessageResult>(`/api/v1/conversations/${group}/messages`, body),
      200,
    );
    expect(retry).toMatchObject({ duplicate: true, message: { id: first.id } });
    expectError(await post(p("sam"), { attachmentIds: [image] }), 409, "ATTACHMENT_ALREADY_SENT");

    const photo = await uploaded(p("sam"), "image");
    expect((await sent(p("sam"), { attachmentIds: [photo] })).kind).toBe("image");
    const [claimed] = await queryDb(server.databaseUrl, "SELECT message_id FROM attachments WHERE id = $1", [
      photo,
    ]);
    expect(claimed?.message_id).not.toBeNull();
  });

  it("search finds a message by its files' names, word by word", async () => {
    const file = await uploaded(p("sam"), "file");
    await queryDb(
      server.databaseUrl,
      "UPDATE attachments SET name = 'Field_Trip-Permission.form.pdf' WHERE id = $1",
      [file],
    );
    const message = await sent(p("sam"), { attachmentIds: [file] });
    const found = async (q: string) =>
      expectStatus<{ results: { message: Message }[] }>(
        await p("rivera").api.get(`/api/v1/search/messages?q=${encodeURIComponent(q)}`),
        200,
      ).results.map((r) => r.message.id);
    expect(await found("permission")).toEqual([message.id]);
    expect(await found("field trip has:file")).toEqual([message.id]);
    expect(await found("permission has:image")).toEqual([]);
  });

  it("only the uploader sends an upload, and only in the conversation it was uploaded to", async () => {
    const mine = await uploaded(p("sam"), "image");
    expectError(await post(p("tia"), { attachmentIds: [mine] }), 404, "ATTACHMENT_NOT_FOUND");
    const direct = await openDirect(p("rivera"), p("sam"));
    expectError(await post(p("sam"), { attachmentIds: [mine] }, direct.id), 404, "ATTACHMENT_NOT_FOUND");
    // Still unsent, so still Sam's to send here.
    expect((await sent(p("sam"), { attachmentIds: [mine] })).attachments).toHaveLength(1);
  });

  it("a deleted message shows no attachments", async () => {
    const message = await sent(p("sam"), {
      text: "wrong file",
      attachmentIds: [await uploaded(p("sam"), "file")],
    });
    expectStatus(await p("sam").api.delete(`/api/v1/conversations/${group}/messages/${message.id}`), 200);
    expect((await history(p("tia").api, group)).find((m) => m.id === message.id)).toMatchObject({
      deleted: true,
      attachments: [],
      text: "",
    });
  });
});

describe("pins", () => {
  const pin = (as: SignedIn, message: Message, pinned = true) =>
    as.api.put<{ message: Message; changed: boolean }>(
      `/api/v1/conversations/${message.conversationId}/messages/${message.id}/pin`,
      { pinned },
    );
  const pins = async (as: SignedIn, conversationId = group) =>
    expectStatus<{ messages: Message[] }>(
      await as.api.get(`/api/v1/conversations/${conversationId}/pins`),
      200,
    ).messages;

  it("the group's teacher pins and unpins; members see the pins, live and in the list; repeats change nothing", async () => {
    const okafor = await connect(server.url, p("okafor").session);
    try {
      const rules = await sent(p("rivera"), { text: "Class rules: be kind" });
      const dates = await sent(p("rivera"), { text: "Exam dates: 3 and 10 June" });
      const pinned = expectStatus(await pin(p("rivera"), rules), 200);
      expect(pinned).toMatchObject({ changed: true, message: { pinnedBy: p("rivera").id } });
      expect(expectStatus(await pin(p("rivera"), rules), 200).changed).toBe(false);
      expectStatus(await pin(p("rivera"), dates), 200);
      expect((await pins(p("sam"))).map((m) => m.text)).toEqual([
        "Exam dates: 3 and 10 June",
        "Class rules: be kind",
      ]);
      await eventually(() =>
        expect(okafor.events.filter((e) => e.ev === "pin.updated").map((e) => e.data.messageId)).toEqual([
          rules.id,
          dates.id,
        ]),
      );
      expectStatus(await pin(p("rivera"), rules, false), 200);
      expect((await pins(p("tia"))).map((m) => m.id)).toEqual([dates.id]);
      expect((await history(p("tia").api, group)).find((m) => m.id === rules.id)?.pinnedAt).toBeNull();
    } finally {
      okafor.client.disconnect();
    }
  });

  it("students, staff who only belong, and outsiders cannot pin; notices and tombstones are not pinned", async () => {
    const message = await sent(p("sam"), { text: "Pin me" });
    expectError(await pin(p("sam"), message), 403, "FORBIDDEN");
    expectError(await pin(p("okafor"), message), 403, "FORBIDDEN");
    expectError(await pin(p("pat"), message), 404, "CONVERSATION_NOT_FOUND");
    expectError(await p("pat").api.get(`/api/v1/conversations/${group}/pins`), 404, "CONVERSATION_NOT_FOUND");
    const [notice] = await history(p("rivera").api, group);
    expectError(await pin(p("rivera"), notice!), 400, "VALIDATION_FAILED");
    expectStatus(await p("sam").api.delete(`/api/v1/conversations/${group}/messages/${message.id}`), 200);
    expectError(await pin(p("rivera"), message), 400, "VALIDATION_FAILED");
  });

  it("either person pins in a direct conversation", async () => {
    const direct = await openDirect(p("rivera"), p("sam"));
    const message = await sent(p("rivera"), { text: "Your timetable" }, direct.id);
    expect(expectStatus(await pin(p("sam"), message), 200).changed).toBe(true);
    expect((await pins(p("rivera"), direct.id)).map((m) => m.id)).toEqual([message.id]);
  });
});

describe("forwarding", () => {
  const forward = (as: SignedIn, message: Message, targetConversationId: string, clientId = newClientId()) =>
    as.api.post<SendMessageResult>(
      `/api/v1/conversations/${message.conversationId}/messages/${message.id}/forward`,
      { targetConversationId, clientId },
    );

  it("copies text and attachments into a conversation I may post in, saying where it came from; a retry lands once", async () => {
    const staffRoom = await openDirect(p("rivera"), p("okafor"));
    const [upload] = await queryDb<{ id: string }>(
      server.databaseUrl,
      `INSERT INTO attachments (conversation_id, uploader_id, storage_key, name, mime, kind, size)
       VALUES ($1, $2, repeat('b', 64), 'essay.pdf', 'application/pdf', 'file', 999) RETURNING id`,
      [group, p("sam").id],
    );
    const original = await sent(p("sam"), { text: "My essay, as promised", attachmentIds: [upload!.id] });
    const clientId = newClientId();
    const copy = expectStatus(await forward(p("rivera"), original, staffRoom.id, clientId), 201).message;
    expect(copy).toMatchObject({
      conversationId: staffRoom.id,
      senderId: p("rivera").id,
      text: "My essay, as promised",
      kind: "file",
      forwardedFrom: {
        messageId: original.id,
        conversationId: group,
        senderId: p("sam").id,
        createdAt: original.createdAt,
      },
    });
    expect(copy.attachments.map((a) => a.name)).toEqual(["essay.pdf"]);
    expect(copy.attachments[0]!.id).not.toBe(original.attachments[0]!.id);
    const rows = await queryDb(
      server.databaseUrl,
      "SELECT conversation_id, storage_key FROM attachments WHERE id = $1",
      [copy.attachments[0]!.id],
    );
    expect(rows).toEqual([{ conversation_id: staffRoom.id, storage_key: "b".repeat(64) }]);

    const retry = expectStatus(await forward(p("rivera"), original, staffRoom.id, clientId), 200);
    expect(retry).toMatchObject({ duplicate: true, message: { id: copy.id } });
    // A forward of the forward still points at Sam's original.
    const again = expectStatus(await forward(p("okafor"), copy, group), 201).message;
    expect(again.forwardedFrom?.messageId).toBe(original.id);
  });

  it("follows the policy of the target and the membership of the source", async () => {
    const message = await sent(p("rivera"), { text: "Detention list" });
    // Sam may not post in the school-wide group; Pat cannot read the source.
    const primary = (await conversations(admin)).find((c) => c.kind === "primary")!;
    expectError(await forward(p("sam"), message, primary.id), 403, "FORBIDDEN");
    // A refused forward of a file leaves nothing in the target.
    const [upload] = await queryDb<{ id: string }>(
      server.databaseUrl,
      `INSERT INTO attachments (conversation_id, uploader_id, storage_key, name, mime, kind, size)
       VALUES ($1, $2, repeat('c', 64), 'plan.pdf', 'application/pdf', 'file', 99) RETURNING id`,
      [group, p("sam").id],
    );
    const withFile = await sent(p("sam"), { attachmentIds: [upload!.id] });
    expectError(await forward(p("sam"), withFile, primary.id), 403, "FORBIDDEN");
    expect(
      await queryDb(
        server.databaseUrl,
        "SELECT count(*)::int AS n FROM attachments WHERE conversation_id = $1",
        [primary.id],
      ),
    ).toEqual([{ n: 0 }]);
    expectError(await forward(p("pat"), message, primary.id), 404, "CONVERSATION_NOT_FOUND");
    // A conversation Sam is not in is not found, whatever it is.
    const staffOnly = await openDirect(p("rivera"), p("gia"));
    expectError(await forward(p("sam"), message, staffOnly.id), 404, "CONVERSATION_NOT_FOUND");
    const [notice] = await history(p("rivera").api, group);
    expectError(await forward(p("rivera"), notice!, staffOnly.id), 400, "VALIDATION_FAILED");
    // Clients cannot claim a message is forwarded.
    expectError(
      await post(p("sam"), { text: "fake", forwardedFrom: { messageId: message.id } }),
      400,
      "VALIDATION_FAILED",
    );
  });
});

describe("who reacted", () => {
  it("lists the people per emoji for members; others are refused", async () => {
    const message = await sent(p("rivera"), { text: "Sports day is on!" });
    const path = (emoji: string) =>
      `/api/v1/conversations/${group}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`;
    expectStatus(await p("sam").api.put(path("🎉")), 200);
    expectStatus(await p("tia").api.put(path("🎉")), 200);
    expectStatus(await p("tia").api.put(path("👍")), 200);
    const list = `/api/v1/conversations/${group}/messages/${message.id}/reactions`;
    expect(expectStatus(await p("okafor").api.get(list), 200)).toEqual({
      messageId: message.id,
      reactions: [
        { emoji: "🎉", userIds: expect.arrayContaining([p("sam").id, p("tia").id]) },
        { emoji: "👍", userIds: [p("tia").id] },
      ],
    });
    expectError(await p("pat").api.get(list), 404, "CONVERSATION_NOT_FOUND");
    expectError(
      await p("okafor").api.get(`/api/v1/conversations/${group}/messages/${crypto.randomUUID()}/reactions`),
      404,
      "MESSAGE_NOT_FOUND",
    );
  });
});

describe("resume", () => {
  it("a member offline during a reply, an edit, a delete and a reaction gets each exactly once, in order", async () => {
    const tia = await connect(server.url, p("tia").session);
    const recorded: { ev: string; data: { seq: number } }[] = [];
    for (const ev of ["message.created", "message.edited", "message.deleted", "reaction.updated"] as const)
      tia.client.on(ev, (data) => recorded.push({ ev, data: data as { seq: number } }));
    const parent = await sent(p("rivera"), { text: "Field trip: bring lunch" });
    await eventually(() => expect(tia.client.position(group)).toBe(parent.seq));
    tia.client.disconnect();
    const sinceLeaving = recorded.length;

    const reply = await sent(p("sam"), { text: "Can we bring snacks?", parentId: parent.id });
    expectStatus(await edit(p("rivera"), parent, "Field trip: bring lunch and a hat"), 200);
    expectStatus(await p("sam").api.delete(`/api/v1/conversations/${group}/messages/${reply.id}`), 200);
    expectStatus(
      await p("okafor").api.put(
        `/api/v1/conversations/${group}/messages/${parent.id}/reactions/${encodeURIComponent("👍")}`,
      ),
      200,
    );
    const { lastSeq } = await summaryOf(p("rivera"));

    await tia.client.connect();
    await eventually(() => expect(tia.client.position(group)).toBe(lastSeq));
    const missed = recorded.slice(sinceLeaving);
    expect(missed.map((e) => e.ev)).toEqual([
      "message.created",
      "message.edited",
      "message.deleted",
      "reaction.updated",
    ]);
    expect(missed.map((e) => e.data.seq)).toEqual([lastSeq - 3, lastSeq - 2, lastSeq - 1, lastSeq]);
    // The replayed reply is shown as it is now: a tombstone, still in its thread.
    expect(missed[0]!.data).toMatchObject({ id: reply.id, deleted: true, text: "", parentId: parent.id });
    tia.client.disconnect();
  });
});
