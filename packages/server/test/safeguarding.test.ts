import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import { enrol, expectError, newClientId, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { eventually } from "./school-fixtures.ts";

/**
 * The safeguarding story of a school, end to end: every refusal a family must be able to
 * count on, the school's own channels working, and each of these actions — allowed or
 * refused — found again in the audit log by an admin.
 */
const PEOPLE = [
  { externalId: "T1", role: "teacher", displayName: "Ms Rivera (7A)" },
  { externalId: "T2", role: "teacher", displayName: "Mr Okafor (8B)" },
  { externalId: "S1", role: "student", displayName: "Sam Lee (7A)" },
  { externalId: "S2", role: "student", displayName: "Ada Okoye (7A)" },
  { externalId: "S3", role: "student", displayName: "Noor Haddad (8B)" },
  { externalId: "P1", role: "parent", displayName: "Alex Lee" },
  { externalId: "P3", role: "parent", displayName: "Rami Haddad" },
  { externalId: "R1", role: "registrar", displayName: "Registrar One" },
  { externalId: "R2", role: "registrar", displayName: "Registrar Two" },
];

describe("safeguarding in a school", () => {
  let server: TestServer;
  let admin: Api;
  let people: Record<string, SignedIn>;
  const p = (id: string) => people[id]!;
  let sevenA: string;

  async function audit(query: string): Promise<
    {
      action: string;
      actor: { id: string | null };
      targetId: string | null;
      details: Record<string, unknown>;
    }[]
  > {
    return expectStatus(await admin.get(`/api/v1/audit?limit=200&${query}`), 200).entries;
  }

  beforeAll(async () => {
    server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
    admin = (await new Api(server.url).signInAdmin()).api;
    people = await enrol(server.url, admin, PEOPLE);
    expectStatus(
      await admin.post("/api/v1/directory/sync", {
        sections: [
          { externalId: "7A", name: "Grade 7 A", teacherIds: ["T1"], studentIds: ["S1", "S2"] },
          { externalId: "8B", name: "Grade 8 B", teacherIds: ["T2"], studentIds: ["S3"] },
        ],
        guardians: [
          { parentId: "P1", studentIds: ["S1"] },
          { parentId: "P3", studentIds: ["S3"] },
        ],
      }),
      200,
    );
    const list = expectStatus(await p("T1").api.get("/api/v1/conversations"), 200);
    sevenA = list.conversations.find(
      (c: { kind: string; name: string }) => c.kind === "section" && c.name === "Grade 7 A",
    ).section.id;
  });
  afterAll(() => server.close());

  it("a parent cannot reach another family's child by any path, and each attempt is audited", async () => {
    // Directly.
    expectError(
      await p("P1").api.post("/api/v1/conversations/direct", { userId: p("S3").id }),
      403,
      "FORBIDDEN",
    );
    // Through a group a teacher makes with both.
    expectError(
      await p("T2").api.post("/api/v1/conversations", { name: "mixed", memberIds: [p("S3").id, p("P1").id] }),
      403,
      "FORBIDDEN",
    );
    // By being added to a group the child is in.
    const group = expectStatus(
      await p("T2").api.post("/api/v1/conversations", { name: "8B reading", memberIds: [p("S3").id] }),
      201,
    );
    expectError(
      await p("T2").api.post(`/api/v1/conversations/${group.id}/members`, { userIds: [p("P1").id] }),
      403,
      "FORBIDDEN",
    );
    // Through an invite link to that group.
    const invite = expectStatus(
      await p("T2").api.post(`/api/v1/conversations/${group.id}/invites`, { expiresInHours: 24 }),
      201,
    );
    expectError(await p("P1").api.post(`/api/v1/invites/${invite.code}/join`), 403, "FORBIDDEN");
    // By writing or reacting into the child's conversations from outside.
    expectError(
      await p("P1").api.post(`/api/v1/conversations/${group.id}/messages`, {
        clientId: newClientId(),
        text: "hi",
      }),
      404,
      "CONVERSATION_NOT_FOUND",
    );

    // Refusals are audited a moment after the answer (off the request's path): wait for them.
    const attemptsBy = async (who: string) =>
      (await audit(`actor=${p(who).id}&action=policy.denied`)).map((e) => e.details.attempt).sort();
    await eventually(async () => expect(await attemptsBy("P1")).toEqual(["direct.open", "invite.join"]));
    await eventually(async () => expect(await attemptsBy("T2")).toEqual(["group.create", "member.add"]));
  });

  it("a student cannot open a direct conversation with another student by default, and the attempt is audited", async () => {
    expectError(
      await p("S1").api.post("/api/v1/conversations/direct", { userId: p("S2").id }),
      403,
      "FORBIDDEN",
    );
    await expect.poll(async () => (await audit(`actor=${p("S1").id}&action=policy.denied`)).length).toBe(1);
    const [entry] = await audit(`actor=${p("S1").id}&action=policy.denied`);
    expect(entry?.details).toMatchObject({ attempt: "direct.open", rule: "direct.studentToStudent" });
    expect(entry?.targetId).toBe(p("S2").id);
  });

  it("a teacher posts an announcement to a section and sees who has read it", async () => {
    const channel = expectStatus(
      await p("T1").api.post("/api/v1/announcements", {
        name: "7A notices",
        audience: { sectionIds: [sevenA] },
      }),
      201,
    );
    const sent = expectStatus(
      await p("T1").api.post(`/api/v1/conversations/${channel.id}/messages`, {
        clientId: newClientId(),
        text: "Trip forms due Friday",
      }),
      201,
    );
    expectStatus(
      await p("S1").api.post(`/api/v1/conversations/${channel.id}/read`, { seq: sent.message.seq }),
      200,
    );
    const readers = expectStatus(
      await p("T1").api.get(`/api/v1/conversations/${channel.id}/messages/${sent.message.id}/readers`),
      200,
    );
    expect(readers.readCount).toBe(1);
    expect(readers.unread.map((u: { id: string }) => u.id)).toContain(p("S2").id);
    expect(readers.unread.map((u: { id: string }) => u.id)).toContain(p("P1").id);
    expect(readers.unread.map((u: { id: string }) => u.id)).not.toContain(p("S3").id);
    // The audience reads but does not post; the creation is audited.
    expectError(
      await p("P1").api.post(`/api/v1/conversations/${channel.id}/messages`, {
        clientId: newClientId(),
        text: "ok",
      }),
      403,
      "FORBIDDEN",
    );
    expect((await audit(`actor=${p("T1").id}&action=announcement.created`)).map((e) => e.targetId)).toEqual([
      channel.id,
    ]);
  });

  it("a parent opens a support conversation with the registrar that any registrar can answer", async () => {
    const opened = expectStatus(
      await p("P1").api.post("/api/v1/support", {
        desk: "registrar",
        text: "We are moving house: new address?",
      }),
      201,
    );
    const queue = expectStatus(await p("R2").api.get("/api/v1/support/queue?desk=registrar"), 200);
    expect(queue.tickets.map((t: { conversationId: string }) => t.conversationId)).toContain(opened.id);
    expectStatus(await p("R2").api.post(`/api/v1/support/${opened.id}/claim`), 200);
    expect(
      (
        await p("R2").api.post(`/api/v1/conversations/${opened.id}/messages`, {
          clientId: newClientId(),
          text: "Send it here, please.",
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await p("R1").api.post(`/api/v1/conversations/${opened.id}/messages`, {
          clientId: newClientId(),
          text: "And the postcode.",
        })
      ).status,
    ).toBe(201);
    expectError(await p("T1").api.get("/api/v1/support/queue?desk=registrar"), 403, "FORBIDDEN");
    expect((await audit(`targetId=${opened.id}`)).map((e) => e.action).sort()).toEqual([
      "support.claimed",
      "support.opened",
    ]);
  });

  it("a flagged message reaches the moderation queue, and the flag is audited", async () => {
    expectStatus(
      await admin.post("/api/v1/moderation/word-filters", { pattern: "fight after school", action: "flag" }),
      201,
    );
    const list = expectStatus(await p("S1").api.get("/api/v1/conversations"), 200);
    const section = list.conversations.find(
      (c: { kind: string; name: string }) => c.kind === "section" && c.name === "Grade 7 A",
    );
    const sent = expectStatus(
      await p("S1").api.post(`/api/v1/conversations/${section.id}/messages`, {
        clientId: newClientId(),
        text: "Big fight after school today",
      }),
      201,
    );
    const queue = expectStatus(await admin.get("/api/v1/moderation/reports?status=open"), 200);
    const report = queue.reports.find((r: { message: { id: string } }) => r.message.id === sent.message.id);
    expect(report).toBeDefined();
    expect((await audit("action=message.flagged")).some((e) => e.targetId === sent.message.id)).toBe(true);
  });
});
