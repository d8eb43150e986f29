import type { ConversationSummary, DirectorySyncResult, Session } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import {
  type ConversationList,
  expectStatusOf,
  type MessagePage,
  newClientId,
  postTrusted,
  type SendMessageResult,
  type SignedIn,
  signInTrusted,
  trustedToken,
  type UserList,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * The newcomer's story, one step after another: a school installs Hallway beside its own
 * system, the admin pushes the directory, a parent signs in with the school system's token and
 * writes to their child's teacher, who reads and replies.
 */

const SECRET = "walkthrough-school-system-secret-0123456789";
const ISSUER = "https://sis.riverside-school.example";
const AUDIENCE = "hallway";

const SCHOOL = {
  users: [
    {
      externalId: "T-100",
      role: "teacher",
      displayName: "Amal Haddad",
      email: "amal.haddad@riverside.example",
    },
    {
      externalId: "T-101",
      role: "teacher",
      displayName: "Ben Okafor",
      email: "ben.okafor@riverside.example",
    },
    { externalId: "S-1", role: "student", displayName: "Chloe Martin" },
    { externalId: "S-2", role: "student", displayName: "Dev Patel" },
    { externalId: "S-3", role: "student", displayName: "Ella Patel" },
    { externalId: "P-1", role: "parent", displayName: "Claire Martin", email: "claire@home.example" },
    { externalId: "P-2", role: "parent", displayName: "Raj Patel", email: "raj@home.example" },
  ],
  sections: [
    { externalId: "7A", name: "7A", teacherIds: ["T-100", "T-101"], studentIds: ["S-1", "S-2", "S-3"] },
  ],
  guardians: [
    { parentId: "P-1", studentIds: ["S-1"] },
    { parentId: "P-2", studentIds: ["S-2", "S-3"] },
  ],
};

function schoolToken(claims: { sub: string; role: string; name: string; email?: string }) {
  return trustedToken(claims, { secret: SECRET, issuer: ISSUER, audience: AUDIENCE });
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    HALLWAY_TRUSTED_JWT_SECRET: SECRET,
    HALLWAY_TRUSTED_ISSUER: ISSUER,
    HALLWAY_TRUSTED_AUDIENCE: AUDIENCE,
  });
});
afterAll(() => server.close());

describe("a parent writes to their child's teacher", () => {
  let admin: Api;
  let parent: SignedIn;
  let teacher: SignedIn;
  let teacherId: string;
  let direct: ConversationSummary;
  const parentTexts = [
    "Good morning Ms Haddad, Chloe was unwell yesterday.",
    "Could you tell me what homework she missed?",
    "Thank you! 🙏",
  ];
  const sent: SendMessageResult["message"][] = [];

  it("1. the admin signs in with the bootstrap password", async () => {
    ({ api: admin } = await new Api(server.url).signInAdmin());
    const me = expectStatus(await admin.get("/api/v1/me"), 200);
    expect(me).toMatchObject({ username: "admin", role: "admin", active: true });
  });

  it("2. the admin syncs the school directory", async () => {
    const result = expectStatus<DirectorySyncResult>(await admin.post("/api/v1/directory/sync", SCHOOL), 200);
    expect(result).toEqual({
      users: { created: 7, updated: 0, unchanged: 0, deactivated: 0 },
      sections: { created: 1, updated: 0, unchanged: 0 },
      enrolments: { added: 5, removed: 0 },
      guardians: { added: 3, removed: 0 },
      unknownExternalIds: [],
    });
  });

  it("3. the parent signs in with a token from the school system", async () => {
    const token = await schoolToken({
      sub: "P-1",
      role: "parent",
      name: "Claire Martin",
      email: "claire@home.example",
    });
    const res = await postTrusted(server.url, token);
    const session = expectStatusOf<Session>(res, 200);
    expect(session.user).toMatchObject({
      externalId: "P-1",
      role: "parent",
      displayName: "Claire Martin",
      email: "claire@home.example",
      active: true,
    });
    expect(new Date(session.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
    parent = { api: new Api(server.url, session.accessToken), session, id: session.user.id };
    const me = expectStatus(await parent.api.get("/api/v1/me"), 200);
    expect(me.id).toBe(parent.id);
  });

  it("4. the parent finds the teacher by name", async () => {
    const found = expectStatus<UserList>(await parent.api.get("/api/v1/users?q=haddad"), 200);
    expect(found.users.map((u) => u.displayName)).toEqual(["Amal Haddad"]);
    expect(found.users[0]).toMatchObject({ role: "teacher", active: true });
    // A profile, not an account: other people's email addresses are not shown.
    expect(found.users[0]).not.toHaveProperty("email");
    teacherId = found.users[0]!.id;
  });

  it("5. the parent opens a direct conversation with the teacher", async () => {
    direct = expectStatus<ConversationSummary>(
      await parent.api.post("/api/v1/conversations/direct", { userId: teacherId }),
      201,
    );
    expect(direct).toMatchObject({
      kind: "direct",
      name: null,
      memberCount: 2,
      lastSeq: 0,
      unreadCount: 0,
      lastMessage: null,
      peer: { id: teacherId, displayName: "Amal Haddad", role: "teacher" },
    });
  });

  it("6. the parent sends three messages, numbered 1, 2, 3", async () => {
    for (const text of parentTexts) {
      const res = await parent.api.post<SendMessageResult>(`/api/v1/conversations/${direct.id}/messages`, {
        clientId: newClientId("parent"),
        text,
      });
      const { message, duplicate } = expectStatus(res, 201);
      expect(duplicate).toBe(false);
      expect(message).toMatchObject({ senderId: parent.id, kind: "text", text, conversationId: direct.id });
      sent.push(message);
    }
    expect(sent.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it("7. the teacher signs in and sees the conversation with 3 unread and the last message", async () => {
    teacher = await signInTrusted(
      server.url,
      await schoolToken({ sub: "T-100", role: "teacher", name: "Amal Haddad" }),
    );
    expect(teacher.id).toBe(teacherId);
    const list = expectStatus<ConversationList>(await teacher.api.get("/api/v1/conversations"), 200);
    const summary = list.conversations.find((c) => c.id === direct.id);
    expect(summary).toMatchObject({
      kind: "direct",
      peer: { id: parent.id, displayName: "Claire Martin", role: "parent" },
      unreadCount: 3,
      lastSeq: 3,
      lastMessage: { seq: 3, text: "Thank you! 🙏", senderId: parent.id },
      me: { lastReadSeq: 0, muted: false, archived: false, pinned: false },
    });
    // The most recent conversation comes first; the school-wide group and her section's group are there too.
    expect(list.conversations[0]!.id).toBe(direct.id);
    expect(list.conversations.map((c) => c.kind).sort()).toEqual(["direct", "primary", "section"]);
    expect(list.totalUnread).toBe(3);
  });

  it("8. the teacher reads the history a page at a time, in both directions", async () => {
    const path = `/api/v1/conversations/${direct.id}/messages`;
    const newest = expectStatus<MessagePage>(await teacher.api.get(`${path}?limit=2`), 200);
    expect(newest.messages.map((m) => m.seq)).toEqual([2, 3]);
    expect(newest.hasMore).toBe(true);

    const older = expectStatus<MessagePage>(await teacher.api.get(`${path}?before=2&limit=2`), 200);
    expect(older.messages.map((m) => m.seq)).toEqual([1]);
    expect(older.hasMore).toBe(false);

    const first = expectStatus<MessagePage>(await teacher.api.get(`${path}?after=0&limit=2`), 200);
    expect(first.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(first.hasMore).toBe(true);

    const rest = expectStatus<MessagePage>(await teacher.api.get(`${path}?after=2&limit=2`), 200);
    expect(rest.messages.map((m) => m.seq)).toEqual([3]);
    expect(rest.hasMore).toBe(false);

    // The teacher sees exactly what the parent sent.
    expect([...first.messages, ...rest.messages]).toEqual(sent);
  });

  it("9. the teacher replies; the parent sees one unread reply", async () => {
    const reply = expectStatus<SendMessageResult>(
      await teacher.api.post(`/api/v1/conversations/${direct.id}/messages`, {
        clientId: newClientId("teacher"),
        text: "Hello Mrs Martin, I hope Chloe feels better.\nThe worksheet is on page 42.",
      }),
      201,
    );
    expect(reply.message.seq).toBe(4);

    const teacherList = expectStatus<ConversationList>(await teacher.api.get("/api/v1/conversations"), 200);
    expect(teacherList.conversations.find((c) => c.id === direct.id)).toMatchObject({
      unreadCount: 0,
      me: { lastReadSeq: 4 },
    });
    expect(teacherList.totalUnread).toBe(0);

    const parentList = expectStatus<ConversationList>(await parent.api.get("/api/v1/conversations"), 200);
    expect(parentList.conversations.find((c) => c.id === direct.id)).toMatchObject({
      unreadCount: 1,
      peer: { id: teacherId },
      lastMessage: { seq: 4, senderId: teacherId, text: reply.message.text },
    });
    expect(parentList.totalUnread).toBe(1);
  });

  it("10. opening the conversation again, from either side, finds the same one", async () => {
    const again = await parent.api.post<ConversationSummary>("/api/v1/conversations/direct", {
      userId: teacherId,
    });
    expect(expectStatus(again, 200).id).toBe(direct.id);
    const fromTeacher = await teacher.api.post<ConversationSummary>("/api/v1/conversations/direct", {
      userId: parent.id,
    });
    expect(expectStatus(fromTeacher, 200).id).toBe(direct.id);
  });

  it("11. both see the same history, ordered by gap-free sequence numbers", async () => {
    const path = `/api/v1/conversations/${direct.id}/messages?after=0`;
    const a = expectStatus<MessagePage>(await parent.api.get(path), 200);
    const b = expectStatus<MessagePage>(await teacher.api.get(path), 200);
    expect(a).toEqual(b);
    expect(a.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(a.messages.map((m) => m.senderId)).toEqual([parent.id, parent.id, parent.id, teacherId]);
    const times = a.messages.map((m) => Date.parse(m.createdAt));
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });
});
