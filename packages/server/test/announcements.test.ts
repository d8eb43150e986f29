import type { ConversationSummary, Readers } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import {
  enrol,
  expectError,
  queryDb,
  type SignedIn,
  signInTrusted,
  TRUSTED_SECRET,
  trustedToken,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import {
  conversations,
  findConversation,
  history,
  memberIds,
  send,
  sorted,
  sync,
} from "./school-fixtures.ts";

/**
 * Announcement channels: an audience reads, the announcers post, and the author sees who has
 * read each announcement. Ms Rivera teaches 7 A (Sam, Sia; parents Pat and Pia); Mr Bose
 * teaches 7 B (Tom; parent Tess). Mrs Park is the principal, Mr Cole a coordinator.
 */

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;
const p = (id: string) => people[id]!;
let sectionA: string;
let sectionB: string;

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(server.url, admin, [
    { externalId: "T-rivera", role: "teacher", displayName: "Ms Rivera" },
    { externalId: "T-bose", role: "teacher", displayName: "Mr Bose" },
    { externalId: "H-park", role: "principal", displayName: "Mrs Park" },
    { externalId: "C-cole", role: "coordinator", displayName: "Mr Cole" },
    { externalId: "S-sam", role: "student", displayName: "Sam" },
    { externalId: "S-sia", role: "student", displayName: "Sia" },
    { externalId: "S-tom", role: "student", displayName: "Tom" },
    { externalId: "S-uma", role: "student", displayName: "Uma" },
    { externalId: "P-pat", role: "parent", displayName: "Pat" },
    { externalId: "P-pia", role: "parent", displayName: "Pia" },
    { externalId: "P-tess", role: "parent", displayName: "Tess" },
  ]);
  await sync(admin, {
    sections: [
      { externalId: "7A", name: "Grade 7 A", teacherIds: ["T-rivera"], studentIds: ["S-sam", "S-sia"] },
      { externalId: "7B", name: "Grade 7 B", teacherIds: ["T-bose"], studentIds: ["S-tom"] },
    ],
    guardians: [
      { parentId: "P-pat", studentIds: ["S-sam"] },
      { parentId: "P-pia", studentIds: ["S-sia"] },
      { parentId: "P-tess", studentIds: ["S-tom"] },
    ],
  });
  const rows = await queryDb<{ id: string; external_id: string }>(
    server.databaseUrl,
    "SELECT id, external_id FROM sections",
  );
  sectionA = rows.find((r) => r.external_id === "7A")!.id;
  sectionB = rows.find((r) => r.external_id === "7B")!.id;
});
afterAll(() => server.close());

function announce(by: SignedIn | Api, name: string, audience: object) {
  const api = by instanceof Api ? by : by.api;
  return api.post<ConversationSummary>("/api/v1/announcements", { name, audience });
}

function readers(as: SignedIn | Api, conversationId: string, messageId: string, query = "") {
  const api = as instanceof Api ? as : as.api;
  return api.get<Readers>(`/api/v1/conversations/${conversationId}/messages/${messageId}/readers${query}`);
}

function markRead(as: SignedIn, conversationId: string, seq: number) {
  return as.api.post(`/api/v1/conversations/${conversationId}/read`, { seq });
}

describe("a teacher's announcement to their section", () => {
  it("a teacher posts an announcement to a section and sees who has read it", async () => {
    const channel = expectStatus(await announce(p("T-rivera"), "7 A news", { sectionIds: [sectionA] }), 201);
    expect(channel).toMatchObject({
      kind: "announcement",
      name: "7 A news",
      createdBy: p("T-rivera").id,
      audience: { roles: null, sectionIds: [sectionA] },
      me: { role: "admin" },
    });
    // The audience: the section's students, their parents, its teacher. Nobody from 7 B.
    expect(await memberIds(p("T-rivera").api, channel.id)).toEqual(
      sorted(["T-rivera", "S-sam", "S-sia", "P-pat", "P-pia"].map((id) => p(id).id)),
    );
    expect(await findConversation(p("P-pat").api, (c) => c.id === channel.id)).toMatchObject({
      kind: "announcement",
      audience: { sectionIds: [sectionA] },
    });
    expect(await findConversation(p("S-tom").api, (c) => c.id === channel.id)).toBeUndefined();

    const posted = expectStatus(
      await send(p("T-rivera").api, channel.id, "The museum trip is on Thursday; bring a packed lunch."),
      201,
    ).message;
    // Nobody has read it yet.
    expect(expectStatus(await readers(p("T-rivera"), channel.id, posted.id), 200)).toEqual({
      seq: posted.seq,
      readCount: 0,
      audienceCount: 4,
      unread: ["Pat", "Pia", "Sam", "Sia"].map((name) => expect.objectContaining({ displayName: name })),
      nextCursor: null,
    });
    // Sam and Pat read it.
    expectStatus(await markRead(p("S-sam"), channel.id, posted.seq), 200);
    expectStatus(await markRead(p("P-pat"), channel.id, posted.seq), 200);
    const after = expectStatus(await readers(p("T-rivera"), channel.id, posted.id), 200);
    expect(after).toMatchObject({ readCount: 2, audienceCount: 4 });
    expect(after.unread.map((u) => u.id)).toEqual([p("P-pia").id, p("S-sia").id]);
    expect(after.unread[0]).toEqual({
      id: p("P-pia").id,
      username: expect.any(String),
      displayName: "Pia",
      role: "parent",
      avatarUrl: null,
      active: true,
    });
    // A page at a time, by name.
    const first = expectStatus(await readers(p("T-rivera"), channel.id, posted.id, "?limit=1"), 200);
    expect(first.unread.map((u) => u.displayName)).toEqual(["Pia"]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = expectStatus(
      await readers(p("T-rivera"), channel.id, posted.id, `?limit=1&cursor=${first.nextCursor}`),
      200,
    );
    expect(second.unread.map((u) => u.displayName)).toEqual(["Sia"]);
    expect(second.nextCursor).toBeNull();
    expectError(
      await readers(p("T-rivera"), channel.id, posted.id, "?cursor=bm90LWEtY3Vyc29y"),
      400,
      "VALIDATION_FAILED",
    );

    // Admins see it too, without being in the audience; the audience itself does not.
    expect(expectStatus(await readers(admin, channel.id, posted.id), 200).readCount).toBe(2);
    expectError(await readers(p("S-sam"), channel.id, posted.id), 403, "FORBIDDEN");
    expectError(await readers(p("P-pat"), channel.id, posted.id), 403, "FORBIDDEN");
    // Nor through receipts, the other way to ask who has read a message.
    expectError(
      await p("P-pat").api.get(`/api/v1/conversations/${channel.id}/messages/${posted.id}/receipts`),
      403,
      "FORBIDDEN",
    );
    expect(
      expectStatus(
        await p("T-rivera").api.get(`/api/v1/conversations/${channel.id}/messages/${posted.id}/receipts`),
        200,
      ).readBy,
    ).toHaveLength(2);
    // Outside the audience it does not exist, and neither does the message.
    for (const outsider of [p("S-tom"), p("P-tess"), p("T-bose")])
      expectError(await readers(outsider, channel.id, posted.id), 404, "CONVERSATION_NOT_FOUND");
  });

  it("people who join after an announcement are not counted for it; the author is never counted", async () => {
    const channel = expectStatus(await announce(p("T-bose"), "7 B news", { sectionIds: [sectionB] }), 201);
    const posted = expectStatus(
      await send(p("T-bose").api, channel.id, "Swimming is cancelled."),
      201,
    ).message;
    expect(expectStatus(await readers(p("T-bose"), channel.id, posted.id), 200)).toMatchObject({
      readCount: 0,
      audienceCount: 2, // Tom and Tess
    });
    // Uma joins 7 B afterwards: she is in the channel now, not in this announcement's count.
    await sync(admin, {
      sections: [
        { externalId: "7B", name: "Grade 7 B", teacherIds: ["T-bose"], studentIds: ["S-tom", "S-uma"] },
      ],
    });
    expect(await memberIds(p("T-bose").api, channel.id)).toContain(p("S-uma").id);
    const later = expectStatus(await readers(p("T-bose"), channel.id, posted.id), 200);
    expect(later.audienceCount).toBe(2);
    expect(later.unread.map((u) => u.displayName)).toEqual(["Tess", "Tom"]);
    const next = expectStatus(
      await send(p("T-bose").api, channel.id, "Swimming is back next week."),
      201,
    ).message;
    expect(expectStatus(await readers(p("T-bose"), channel.id, next.id), 200).audienceCount).toBe(3);
  });

  it("read statistics are for announcements and real messages only", async () => {
    const group = expectStatus(
      await p("T-rivera").api.post<ConversationSummary>("/api/v1/conversations", {
        name: "Staff room",
        memberIds: [p("T-bose").id],
      }),
      201,
    );
    const message = expectStatus(await send(p("T-rivera").api, group.id, "Coffee?"), 201).message;
    expectError(await readers(p("T-rivera"), group.id, message.id), 409, "CONVERSATION_KIND_MISMATCH");
    const [notice] = await history(p("T-rivera").api, group.id);
    expect(notice?.kind).toBe("system");
    expectError(await readers(p("T-rivera"), group.id, notice!.id), 404, "MESSAGE_NOT_FOUND");
    const channel = (await findConversation(p("T-rivera").api, (c) => c.name === "7 A news"))!;
    expectError(await readers(p("T-rivera"), channel.id, message.id), 404, "MESSAGE_NOT_FOUND");
  });
});

describe("who may announce, and to whom", () => {
  it("teachers only to sections they teach; students and parents never", async () => {
    expectError(await announce(p("T-rivera"), "7 B too", { sectionIds: [sectionB] }), 403, "FORBIDDEN");
    expectError(
      await announce(p("T-rivera"), "Both", { sectionIds: [sectionA, sectionB] }),
      403,
      "FORBIDDEN",
    );
    expectError(await announce(p("T-rivera"), "Everyone", {}), 403, "FORBIDDEN");
    expectError(await announce(p("T-rivera"), "All parents", { roles: ["parent"] }), 403, "FORBIDDEN");
    for (const nobody of [p("S-sam"), p("P-pat")]) {
      expectError(await announce(nobody, "Party", {}), 403, "FORBIDDEN");
      expectError(await announce(nobody, "Party", { sectionIds: [sectionA] }), 403, "FORBIDDEN");
    }
    // A teacher may address only the parents of their section.
    const parents = expectStatus(
      await announce(p("T-rivera"), "7 A parents", { sectionIds: [sectionA], roles: ["parent"] }),
      201,
    );
    expect(await memberIds(p("T-rivera").api, parents.id)).toEqual(
      sorted(["T-rivera", "P-pat", "P-pia"].map((id) => p(id).id)),
    );
  });

  it("the principal and coordinators announce school-wide or to any roles", async () => {
    const everyone = expectStatus(await announce(p("H-park"), "Welcome back", {}), 201);
    const [row] = await queryDb(server.databaseUrl, "SELECT count(*)::int AS n FROM users WHERE active");
    expect(everyone.memberCount).toBe(row.n);
    const families = expectStatus(await announce(p("C-cole"), "To all parents", { roles: ["parent"] }), 201);
    expect(await memberIds(p("C-cole").api, families.id)).toEqual(
      sorted(["C-cole", "P-pat", "P-pia", "P-tess"].map((id) => p(id).id)),
    );
  });

  it("an audience naming roles or sections that do not exist is refused", async () => {
    const res = await announce(admin, "Ghosts", { roles: ["wizard"], sectionIds: [crypto.randomUUID()] });
    expectError(res, 400, "VALIDATION_FAILED");
    expect((res.body as any).error.details.issues.map((i: { path: string }) => i.path)).toEqual([
      "audience.roles.0",
      "audience.sectionIds.0",
    ]);
    expectError(await announce(admin, "Nobody", { roles: [] }), 400, "VALIDATION_FAILED");
    expectError(await announce(admin, "Bad", { sectionIds: ["7A"] }), 400, "VALIDATION_FAILED");
  });
});

describe("in the channel", () => {
  it("only announcers post; the audience reads and reacts; outsiders see nothing", async () => {
    const channel = expectStatus(await announce(p("H-park"), "Term dates", {}), 201);
    const posted = expectStatus(
      await send(p("H-park").api, channel.id, "Term ends on 20 July."),
      201,
    ).message;
    for (const reader of [p("S-sam"), p("P-pat"), p("T-rivera")]) {
      expectError(await send(reader.api, channel.id, "Thanks!"), 403, "FORBIDDEN");
      expect((await history(reader.api, channel.id)).map((m) => m.text)).toEqual(["Term ends on 20 July."]);
    }
    expectStatus(
      await p("S-sam").api.put(
        `/api/v1/conversations/${channel.id}/messages/${posted.id}/reactions/${encodeURIComponent("🎉")}`,
      ),
      200,
    );
    const reacted = expectStatus(
      await p("P-pat").api.put(
        `/api/v1/conversations/${channel.id}/messages/${posted.id}/reactions/${encodeURIComponent("🎉")}`,
      ),
      200,
    );
    expect(reacted).toMatchObject({ count: 2, me: true });
    // A teacher's section channel: a parent of another section is not in the audience.
    const sectionChannel = (await findConversation(p("T-rivera").api, (c) => c.name === "7 A news"))!;
    const [first] = await history(p("T-rivera").api, sectionChannel.id);
    expectError(
      await p("P-tess").api.put(
        `/api/v1/conversations/${sectionChannel.id}/messages/${first!.id}/reactions/${encodeURIComponent("👍")}`,
      ),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expectError(await send(p("P-tess").api, sectionChannel.id, "hello?"), 404, "CONVERSATION_NOT_FOUND");
    // Nor is the teacher of another section.
    expectError(await send(p("T-bose").api, sectionChannel.id, "Hi 7 A"), 404, "CONVERSATION_NOT_FOUND");
  });
});

describe("audiences follow the directory", () => {
  it("newcomers join, leavers leave: sync, guardian links, local accounts and first sign-ins", async () => {
    const teachers = expectStatus(await announce(p("H-park"), "Staff notices", { roles: ["teacher"] }), 201);
    const sectionA7 = (await findConversation(p("T-rivera").api, (c) => c.name === "7 A news"))!;

    // A new teacher by sync joins the staff channel; a deactivated one leaves.
    await sync(admin, { users: [{ externalId: "T-new", role: "teacher", displayName: "Mx New" }] });
    const [newTeacher] = await queryDb(
      server.databaseUrl,
      "SELECT id FROM users WHERE external_id = 'T-new'",
    );
    expect(await memberIds(p("H-park").api, teachers.id)).toContain(newTeacher.id);
    await sync(admin, {
      users: [{ externalId: "T-new", role: "teacher", displayName: "Mx New", active: false }],
    });
    expect(await memberIds(p("H-park").api, teachers.id)).not.toContain(newTeacher.id);

    // A parent linked to a 7 A child joins 7 A's channel; unlinked, leaves.
    await sync(admin, { guardians: [{ parentId: "P-tess", studentIds: ["S-tom", "S-sia"] }] });
    expect(await memberIds(p("T-rivera").api, sectionA7.id)).toContain(p("P-tess").id);
    await sync(admin, { guardians: [{ parentId: "P-tess", studentIds: ["S-tom"] }] });
    expect(await memberIds(p("T-rivera").api, sectionA7.id)).not.toContain(p("P-tess").id);

    // Sia moves from 7 A to 7 B: she and her parent Pia follow, from one channel to the other.
    const sectionB7 = (await findConversation(p("T-bose").api, (c) => c.name === "7 B news"))!;
    await sync(admin, {
      sections: [
        { externalId: "7A", name: "Grade 7 A", teacherIds: ["T-rivera"], studentIds: ["S-sam"] },
        {
          externalId: "7B",
          name: "Grade 7 B",
          teacherIds: ["T-bose"],
          studentIds: ["S-tom", "S-uma", "S-sia"],
        },
      ],
    });
    expect(await memberIds(p("T-rivera").api, sectionA7.id)).not.toContain(p("P-pia").id);
    expect(await memberIds(p("T-rivera").api, sectionA7.id)).not.toContain(p("S-sia").id);
    expect(await memberIds(p("T-bose").api, sectionB7.id)).toEqual(
      expect.arrayContaining([p("P-pia").id, p("S-sia").id]),
    );

    // A local account made by an admin, and someone signing in for the first time.
    const local = expectStatus(
      await admin.post("/api/v1/users", {
        username: "supply.teacher",
        password: "a long password",
        displayName: "Supply Teacher",
        role: "teacher",
      }),
      201,
    );
    expect(await memberIds(p("H-park").api, teachers.id)).toContain(local.id);
    const firstTimer = await signInTrusted(
      server.url,
      await trustedToken({ sub: "T-first", role: "teacher", name: "First Timer" }),
    );
    expect(await memberIds(p("H-park").api, teachers.id)).toContain(firstTimer.id);
    expect((await conversations(firstTimer.api)).map((c) => c.name)).toContain("Staff notices");
    // Their role changes at the school system: they leave the staff channel at the next sign-in.
    const asParent = await signInTrusted(
      server.url,
      await trustedToken({ sub: "T-first", role: "parent", name: "First Timer" }),
    );
    expect(asParent.id).toBe(firstTimer.id);
    expect(await memberIds(p("H-park").api, teachers.id)).not.toContain(firstTimer.id);
  });
});
