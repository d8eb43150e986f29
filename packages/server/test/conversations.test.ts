import type { ConversationSummary } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import {
  type ConversationList,
  enrol,
  expectError,
  type MemberPage,
  type MessagePage,
  newClientId,
  queryDb,
  type SignedIn,
  TRUSTED_SECRET,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;

/** Ann, Bob, Cat, Dan, Eve, Fay, Gus (teachers and students), and Zed, whom the school deactivates. */
const NAMES = ["ann", "bob", "cat", "dan", "eve", "fay", "gus", "zed"];

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(
    server.url,
    admin,
    NAMES.map((n, i) => ({
      externalId: `C-${n}`,
      role: i % 2 === 0 ? "teacher" : "student",
      displayName: n[0]!.toUpperCase() + n.slice(1),
    })),
  );
  expectStatus(
    await admin.post("/api/v1/directory/sync", {
      users: [{ externalId: "C-zed", role: "student", displayName: "Zed", active: false }],
    }),
    200,
  );
});
afterAll(() => server.close());

const p = (name: string) => people[`C-${name}`]!;

function createGroup(by: SignedIn, name: string, members: SignedIn[]) {
  return by.api.post<ConversationSummary>("/api/v1/conversations", {
    name,
    memberIds: members.map((m) => m.id),
  });
}

async function history(as: SignedIn, conversationId: string): Promise<MessagePage["messages"]> {
  return expectStatus<MessagePage>(
    await as.api.get(`/api/v1/conversations/${conversationId}/messages?after=0&limit=200`),
    200,
  ).messages;
}

async function members(as: SignedIn, conversationId: string): Promise<Record<string, string>> {
  const page = expectStatus<MemberPage>(
    await as.api.get(`/api/v1/conversations/${conversationId}/members?limit=500`),
    200,
  );
  return Object.fromEntries(page.members.map((m) => [m.user.displayName.toLowerCase(), m.role]));
}

function send(as: SignedIn, conversationId: string, text: string) {
  return as.api.post(`/api/v1/conversations/${conversationId}/messages`, { clientId: newClientId(), text });
}

describe("direct conversations", () => {
  it("there is exactly one per pair, from either side: 201 then 200 with the same id", async () => {
    const first = await p("ann").api.post<ConversationSummary>("/api/v1/conversations/direct", {
      userId: p("bob").id,
    });
    const created = expectStatus(first, 201);
    expect(created).toMatchObject({ kind: "direct", memberCount: 2, peer: { id: p("bob").id } });
    const again = expectStatus(
      await p("ann").api.post<ConversationSummary>("/api/v1/conversations/direct", { userId: p("bob").id }),
      200,
    );
    const fromBob = expectStatus(
      await p("bob").api.post<ConversationSummary>("/api/v1/conversations/direct", { userId: p("ann").id }),
      200,
    );
    expect(again.id).toBe(created.id);
    expect(fromBob.id).toBe(created.id);
    expect(fromBob.peer?.id).toBe(p("ann").id);
  });

  it("both sides opening it at the same moment, ten times each, still make one", async () => {
    const calls = [
      ...Array.from({ length: 10 }, () =>
        p("cat").api.post<ConversationSummary>("/api/v1/conversations/direct", { userId: p("dan").id }),
      ),
      ...Array.from({ length: 10 }, () =>
        p("dan").api.post<ConversationSummary>("/api/v1/conversations/direct", { userId: p("cat").id }),
      ),
    ];
    const results = await Promise.all(calls);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const [row] = await queryDb(
      server.databaseUrl,
      `SELECT count(*)::int AS conversations,
              (SELECT count(*)::int FROM members WHERE conversation_id = $3) AS members
         FROM conversations WHERE kind = 'direct' AND direct_key IN ($1 || ':' || $2, $2 || ':' || $1)`,
      [p("cat").id, p("dan").id, results[0]!.body.id],
    );
    expect(row).toEqual({ conversations: 1, members: 2 });
  });

  it("refuses yourself, unknown users and deactivated users", async () => {
    const ann = p("ann").api;
    expectError(
      await ann.post("/api/v1/conversations/direct", { userId: p("ann").id }),
      400,
      "SELF_CONVERSATION",
    );
    expectError(
      await ann.post("/api/v1/conversations/direct", { userId: "6f1c1b0e-3a52-4a8e-9d59-0c6a3b7e2f10" }),
      404,
      "USER_NOT_FOUND",
    );
    expectError(
      await ann.post("/api/v1/conversations/direct", { userId: p("zed").id }),
      403,
      "USER_INACTIVE",
    );
  });

  it("cannot be left", async () => {
    const direct = expectStatus(
      await p("eve").api.post<ConversationSummary>("/api/v1/conversations/direct", { userId: p("fay").id }),
      201,
    );
    expectError(
      await p("eve").api.post(`/api/v1/conversations/${direct.id}/leave`),
      409,
      "CONVERSATION_KIND_MISMATCH",
    );
    expectError(
      await p("eve").api.post(`/api/v1/conversations/${direct.id}/members`, { userIds: [p("gus").id] }),
      409,
      "CONVERSATION_KIND_MISMATCH",
    );
    expectError(
      await p("eve").api.delete(`/api/v1/conversations/${direct.id}/members/${p("eve").id}`),
      409,
      "CONVERSATION_KIND_MISMATCH",
    );
  });
});

describe("groups", () => {
  it("are created with their members, and the history says so", async () => {
    const group = expectStatus(await createGroup(p("ann"), "  Year 7 trip  ", [p("bob"), p("cat")]), 201);
    expect(group).toMatchObject({
      kind: "group",
      name: "Year 7 trip",
      createdBy: p("ann").id,
      memberCount: 3,
      lastSeq: 1,
      me: { role: "admin" },
      unreadCount: 0,
    });
    const log = await history(p("bob"), group.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      seq: 1,
      kind: "system",
      senderId: null,
      system: { action: "conversation.created", actorId: p("ann").id },
    });
    expect([...log[0]!.system!.userIds].sort()).toEqual([p("bob").id, p("cat").id].sort());
    expect(await members(p("cat"), group.id)).toEqual({ ann: "admin", bob: "member", cat: "member" });
    // Bob sees it in his list, as a member.
    const bobList = expectStatus<ConversationList>(await p("bob").api.get("/api/v1/conversations"), 200);
    expect(bobList.conversations.find((c) => c.id === group.id)?.me.role).toBe("member");
  });

  it("refuses unknown and deactivated members at creation, creating nothing", async () => {
    const before = await queryDb(server.databaseUrl, "SELECT count(*)::int AS n FROM conversations");
    expectError(
      await p("ann").api.post("/api/v1/conversations", {
        name: "Ghosts",
        memberIds: [p("bob").id, "0b6f3f7e-8a0e-4f55-9a43-5c9e5fbc1e2d"],
      }),
      404,
      "USER_NOT_FOUND",
    );
    expectError(await createGroup(p("ann"), "Zed's", [p("zed")]), 403, "USER_INACTIVE");
    expectError(await createGroup(p("ann"), "", []), 400, "VALIDATION_FAILED");
    expectError(await createGroup(p("ann"), "Two\nlines", []), 400, "VALIDATION_FAILED");
    const after = await queryDb(server.databaseUrl, "SELECT count(*)::int AS n FROM conversations");
    expect(after).toEqual(before);
  });

  it("only admins add and remove members; the history records it", async () => {
    const group = expectStatus(await createGroup(p("ann"), "Science club", [p("bob")]), 201);
    const path = `/api/v1/conversations/${group.id}/members`;
    expectError(await p("bob").api.post(path, { userIds: [p("cat").id] }), 403, "FORBIDDEN");
    expectError(await p("cat").api.post(path, { userIds: [p("cat").id] }), 404, "CONVERSATION_NOT_FOUND");

    const added = expectStatus(
      await p("ann").api.post(path, { userIds: [p("cat").id, p("dan").id, p("bob").id] }),
      200,
    );
    expect([...added.added].sort()).toEqual([p("cat").id, p("dan").id].sort());
    // Adding people who are already in changes nothing.
    expect(expectStatus(await p("ann").api.post(path, { userIds: [p("cat").id] }), 200)).toEqual({
      added: [],
    });
    expectError(await p("ann").api.post(path, { userIds: [p("zed").id] }), 403, "USER_INACTIVE");

    expectError(await p("bob").api.delete(`${path}/${p("cat").id}`), 403, "FORBIDDEN");
    expect((await p("ann").api.delete(`${path}/${p("cat").id}`)).status).toBe(204);
    expectError(await p("ann").api.delete(`${path}/${p("cat").id}`), 404, "MEMBER_NOT_FOUND");
    expectError(await p("ann").api.delete(`${path}/${p("gus").id}`), 404, "MEMBER_NOT_FOUND");

    expect(await members(p("bob"), group.id)).toEqual({ ann: "admin", bob: "member", dan: "member" });
    const actions = (await history(p("bob"), group.id)).map((m) => m.system?.action);
    expect(actions).toEqual(["conversation.created", "member.added", "member.removed"]);
  });

  it("a removed member can no longer read, send or see the group", async () => {
    const group = expectStatus(await createGroup(p("ann"), "Drama", [p("bob"), p("cat")]), 201);
    expectStatus(await send(p("ann"), group.id, "Rehearsal at 4pm"), 201);
    expectStatus(await send(p("cat"), group.id, "I'll be there"), 201);
    const [catMessage] = (await history(p("ann"), group.id)).filter((m) => m.senderId === p("cat").id);
    expect(
      (await p("ann").api.delete(`/api/v1/conversations/${group.id}/members/${p("cat").id}`)).status,
    ).toBe(204);

    const cat = p("cat").api;
    const base = `/api/v1/conversations/${group.id}`;
    expectError(await cat.get(`${base}/messages`), 404, "CONVERSATION_NOT_FOUND");
    expectError(await cat.get(`${base}/messages/${catMessage!.id}`), 404, "CONVERSATION_NOT_FOUND");
    expectError(await send(p("cat"), group.id, "Can I still post?"), 404, "CONVERSATION_NOT_FOUND");
    expectError(await cat.get(base), 404, "CONVERSATION_NOT_FOUND");
    expectError(await cat.get(`${base}/members`), 404, "CONVERSATION_NOT_FOUND");
    expectError(await cat.patch(`${base}/settings`, { muted: true }), 404, "CONVERSATION_NOT_FOUND");
    expectError(await cat.post(`${base}/leave`), 404, "CONVERSATION_NOT_FOUND");
    const list = expectStatus<ConversationList>(await cat.get("/api/v1/conversations?archived=all"), 200);
    expect(list.conversations.map((c) => c.id)).not.toContain(group.id);
    // Nothing was sent on Cat's behalf after removal.
    expect((await history(p("ann"), group.id)).map((m) => m.text)).not.toContain("Can I still post?");
  });

  it("admins promote and demote; the last admin cannot be demoted", async () => {
    const group = expectStatus(await createGroup(p("ann"), "Staff room", [p("cat"), p("bob")]), 201);
    const role = (who: SignedIn) => `/api/v1/conversations/${group.id}/members/${who.id}/role`;

    expectError(await p("ann").api.put(role(p("ann")), { role: "member" }), 409, "LAST_ADMIN");
    expectError(await p("cat").api.put(role(p("cat")), { role: "admin" }), 403, "FORBIDDEN");
    expectError(await p("ann").api.put(role(p("dan")), { role: "admin" }), 404, "MEMBER_NOT_FOUND");
    expectError(await p("ann").api.put(role(p("cat")), { role: "owner" }), 400, "VALIDATION_FAILED");

    expect((await p("ann").api.put(role(p("cat")), { role: "admin" })).status).toBe(204);
    // Promoting an admin again is a no-op, not a second history entry.
    expect((await p("ann").api.put(role(p("cat")), { role: "admin" })).status).toBe(204);
    expect(await members(p("bob"), group.id)).toEqual({ ann: "admin", cat: "admin", bob: "member" });

    // Now Cat, an admin, may manage members, and Ann may step down.
    expect((await p("ann").api.put(role(p("ann")), { role: "member" })).status).toBe(204);
    expectError(
      await p("ann").api.post(`/api/v1/conversations/${group.id}/members`, { userIds: [p("dan").id] }),
      403,
      "FORBIDDEN",
    );
    expectError(await p("cat").api.put(role(p("cat")), { role: "member" }), 409, "LAST_ADMIN");
    expect(await members(p("bob"), group.id)).toEqual({ ann: "member", cat: "admin", bob: "member" });

    const actions = (await history(p("bob"), group.id)).map((m) => [m.system?.action, m.system?.userIds]);
    expect(actions).toEqual([
      ["conversation.created", expect.any(Array)],
      ["member.promoted", [p("cat").id]],
      ["member.demoted", [p("ann").id]],
    ]);
  });

  it("when the last admin leaves, the longest-standing member becomes admin", async () => {
    const group = expectStatus(await createGroup(p("ann"), "Chess", [p("cat")]), 201);
    await new Promise((r) => setTimeout(r, 20));
    expectStatus(
      await p("ann").api.post(`/api/v1/conversations/${group.id}/members`, { userIds: [p("bob").id] }),
      200,
    );

    expect((await p("ann").api.post(`/api/v1/conversations/${group.id}/leave`)).status).toBe(204);
    expect(await members(p("bob"), group.id)).toEqual({ cat: "admin", bob: "member" });
    expectError(await p("ann").api.get(`/api/v1/conversations/${group.id}`), 404, "CONVERSATION_NOT_FOUND");
    const tail = (await history(p("cat"), group.id)).slice(-2).map((m) => m.system);
    expect(tail).toEqual([
      { action: "member.left", actorId: p("ann").id, userIds: [p("ann").id] },
      { action: "member.promoted", actorId: null, userIds: [p("cat").id] },
    ]);
    // Cat is a real admin now.
    expectStatus(
      await p("cat").api.post(`/api/v1/conversations/${group.id}/members`, { userIds: [p("dan").id] }),
      200,
    );
    // Removing yourself is leaving too.
    expect(
      (await p("bob").api.delete(`/api/v1/conversations/${group.id}/members/${p("bob").id}`)).status,
    ).toBe(204);
    expect(await members(p("cat"), group.id)).toEqual({ cat: "admin", dan: "member" });
    // A member who left can be added back.
    expectStatus(
      await p("cat").api.post(`/api/v1/conversations/${group.id}/members`, { userIds: [p("ann").id] }),
      200,
    );
    expect(await members(p("ann"), group.id)).toEqual({ ann: "member", cat: "admin", dan: "member" });
  });

  it("lists members a page at a time with a cursor", async () => {
    const others = ["bob", "cat", "dan", "eve", "fay", "gus"].map(p);
    const group = expectStatus(await createGroup(p("ann"), "Everyone but Zed", others), 201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `limit=3&cursor=${encodeURIComponent(cursor)}` : "limit=3";
      const page: MemberPage = expectStatus<MemberPage>(
        await p("gus").api.get(`/api/v1/conversations/${group.id}/members?${query}`),
        200,
      );
      expect(page.members.length).toBeLessThanOrEqual(3);
      seen.push(...page.members.map((m) => m.user.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set([p("ann").id, ...others.map((o) => o.id)]));
    expectError(
      await p("gus").api.get(`/api/v1/conversations/${group.id}/members?cursor=not-a-cursor`),
      400,
      "VALIDATION_FAILED",
    );
    expectError(
      await p("gus").api.get(`/api/v1/conversations/${group.id}/members?limit=0`),
      400,
      "VALIDATION_FAILED",
    );
  });

  it("the school-wide group cannot be left or managed by hand", async () => {
    const list = expectStatus<ConversationList>(await p("ann").api.get("/api/v1/conversations"), 200);
    const primary = list.conversations.find((c) => c.kind === "primary")!;
    expectError(
      await p("ann").api.post(`/api/v1/conversations/${primary.id}/leave`),
      409,
      "CONVERSATION_KIND_MISMATCH",
    );
    expectError(
      await admin.post(`/api/v1/conversations/${primary.id}/members`, { userIds: [p("ann").id] }),
      409,
      "CONVERSATION_KIND_MISMATCH",
    );
  });
});

describe("my settings: mute, archive, pin", () => {
  it("archived hides from the default list, pinned sorts first, muted leaves the total", async () => {
    const eve = p("eve");
    const a = expectStatus(await createGroup(p("gus"), "Alpha", [eve]), 201);
    const b = expectStatus(await createGroup(p("gus"), "Bravo", [eve]), 201);
    const c = expectStatus(await createGroup(p("gus"), "Charlie", [eve]), 201);
    for (const g of [a, b, c]) expectStatus(await send(p("gus"), g.id, `news in ${g.name}`), 201);
    expectStatus(await send(p("gus"), a.id, "more news in Alpha"), 201);

    const list = async (query = "") =>
      expectStatus<ConversationList>(await eve.api.get(`/api/v1/conversations${query}`), 200);
    const before = await list();
    const unreadOf = (l: ConversationList, id: string) =>
      l.conversations.find((x) => x.id === id)?.unreadCount;
    expect([unreadOf(before, a.id), unreadOf(before, b.id), unreadOf(before, c.id)]).toEqual([2, 1, 1]);
    const baseline = before.totalUnread;
    // The most recently active conversation comes first.
    expect(before.conversations[0]!.id).toBe(a.id);

    const settings = (id: string, body: object) =>
      eve.api.patch(`/api/v1/conversations/${id}/settings`, body);
    const muted = expectStatus<ConversationSummary>(await settings(a.id, { muted: true }), 200);
    expect(muted.me).toMatchObject({ muted: true, archived: false, pinned: false });
    expect((await list()).totalUnread).toBe(baseline - 2);
    expect(unreadOf(await list(), a.id)).toBe(2);

    expectStatus(await settings(b.id, { archived: true }), 200);
    expect((await list()).conversations.map((x) => x.id)).not.toContain(b.id);
    expect((await list("?archived=true")).conversations.map((x) => x.id)).toEqual([b.id]);
    expect((await list("?archived=all")).conversations.map((x) => x.id)).toContain(b.id);

    expectStatus(await settings(c.id, { pinned: true }), 200);
    const pinned = await list();
    expect(pinned.conversations[0]).toMatchObject({ id: c.id, me: { pinned: true } });

    // Settings are mine alone: Gus's view is unchanged.
    const guss = expectStatus<ConversationList>(await p("gus").api.get("/api/v1/conversations"), 200);
    expect(guss.conversations.find((x) => x.id === c.id)?.me).toMatchObject({
      muted: false,
      archived: false,
      pinned: false,
    });

    // Undo.
    expectStatus(await settings(a.id, { muted: false }), 200);
    expectStatus(await settings(b.id, { archived: false }), 200);
    expect((await list()).totalUnread).toBe(baseline);
    expect((await list()).conversations.map((x) => x.id)).toContain(b.id);

    expectError(await settings(a.id, {}), 400, "VALIDATION_FAILED");
    expectError(await settings(a.id, { muted: "yes" }), 400, "VALIDATION_FAILED");
    expectError(await settings(a.id, { starred: true }), 400, "VALIDATION_FAILED");
  });
});

describe("the school-wide group", () => {
  it("exists exactly once and holds every active user", async () => {
    const [counts] = await queryDb(
      server.databaseUrl,
      `SELECT (SELECT count(*)::int FROM conversations WHERE kind = 'primary') AS primaries,
              (SELECT count(*)::int FROM users WHERE active) AS active_users`,
    );
    expect(counts.primaries).toBe(1);
    const summaries = await Promise.all(
      [admin, ...NAMES.filter((n) => n !== "zed").map((n) => p(n).api)].map(async (api) => {
        const list = expectStatus<ConversationList>(await api.get("/api/v1/conversations?archived=all"), 200);
        return list.conversations.filter((c) => c.kind === "primary");
      }),
    );
    for (const found of summaries) {
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        id: summaries[0]![0]!.id,
        name: "Everyone",
        memberCount: counts.active_users,
      });
    }
    // Zed, deactivated, is not in it.
    const page = expectStatus<MemberPage>(
      await admin.get(`/api/v1/conversations/${summaries[0]![0]!.id}/members?limit=500`),
      200,
    );
    expect(page.members).toHaveLength(counts.active_users);
    expect(page.members.map((m) => m.user.id)).not.toContain(p("zed").id);
  });
});
