import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ConversationSummary } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSupervised } from "../src/domain/policy/index.ts";
import { Api, expectStatus } from "./api.ts";
import { createGroup, latestAudit, openDirect } from "./compliance-helpers.ts";
import {
  type ConversationList,
  enrol,
  expectError,
  type MessagePage,
  newClientId,
  type SignedIn,
  TRUSTED_SECRET,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * Supervision: the school's designated staff (admins and guidance counsellors by default)
 * review conversations that involve students without being in them; every review is audited;
 * the participants see that the conversation is supervised; conversations among adults stay
 * private.
 */

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;
let studentDirect: ConversationSummary;
let classGroup: ConversationSummary;
let staffDirect: ConversationSummary;
let parentDirect: ConversationSummary;

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(server.url, admin, [
    { externalId: "V-grace", role: "guidance", displayName: "Grace (guidance)" },
    { externalId: "V-tom", role: "teacher", displayName: "Tom" },
    { externalId: "V-tia", role: "teacher", displayName: "Tia" },
    { externalId: "V-sol", role: "student", displayName: "Sol" },
    { externalId: "V-uma", role: "student", displayName: "Uma" },
    { externalId: "V-pat", role: "parent", displayName: "Pat" },
    { externalId: "V-reg", role: "registrar", displayName: "Reg" },
  ]);
  studentDirect = await openDirect(p("tom"), p("sol"));
  classGroup = await createGroup(p("tom"), "Year 9 maths", [p("sol"), p("uma")]);
  staffDirect = await openDirect(p("tom"), p("tia"));
  parentDirect = await openDirect(p("tom"), p("pat"));
  for (const [who, id, text] of [
    [p("tom"), studentDirect.id, "Please hand in the essay"],
    [p("sol"), studentDirect.id, "Tomorrow, sorry"],
    [p("uma"), classGroup.id, "Is the test on Friday?"],
    [p("tom"), staffDirect.id, "Staff meeting moved"],
  ] as const)
    expectStatus(
      await who.api.post(`/api/v1/conversations/${id}/messages`, { clientId: newClientId(), text }),
      201,
    );
});
afterAll(() => server.close());

const p = (name: string) => people[`V-${name}`]!;

async function list(as: SignedIn): Promise<Map<string, ConversationSummary>> {
  const body = expectStatus<ConversationList>(await as.api.get("/api/v1/conversations?archived=all"), 200);
  return new Map(body.conversations.map((c) => [c.id, c]));
}

describe("participants see that a conversation is supervised", () => {
  it("conversations with a student are marked supervised; those among adults are not", async () => {
    const toms = await list(p("tom"));
    expect(toms.get(studentDirect.id)?.supervised).toBe(true);
    expect(toms.get(classGroup.id)?.supervised).toBe(true);
    expect(toms.get(staffDirect.id)?.supervised).toBe(false);
    expect(toms.get(parentDirect.id)?.supervised).toBe(false);
    const sols = await list(p("sol"));
    expect(sols.get(studentDirect.id)?.supervised).toBe(true);
    const one = expectStatus<ConversationSummary>(
      await p("tia").api.get(`/api/v1/conversations/${staffDirect.id}`),
      200,
    );
    expect(one.supervised).toBe(false);
  });

  it("the list agrees with the policy's isSupervised for every conversation", async () => {
    const { policy } = server.hallway.ctx;
    for (const who of [p("tom"), p("sol"), p("pat"), p("tia")]) {
      for (const summary of (await list(who)).values()) {
        policy.forgetConversation(summary.id);
        const { facts } = await policy.conversation(summary.id, who.id);
        expect(summary.supervised, `${summary.kind} ${summary.name ?? summary.id}`).toBe(
          isSupervised(policy.rules, facts),
        );
      }
    }
  });

  it("a group becomes supervised when a student joins and stops when the last one leaves", async () => {
    const group = await createGroup(p("tom"), "Timetabling", [p("tia")]);
    expect(group.supervised).toBe(false);
    expectStatus(
      await p("tom").api.post(`/api/v1/conversations/${group.id}/members`, { userIds: [p("uma").id] }),
      200,
    );
    expect((await list(p("tia"))).get(group.id)?.supervised).toBe(true);
    expectStatus(await p("tom").api.delete(`/api/v1/conversations/${group.id}/members/${p("uma").id}`), 204);
    expect((await list(p("tia"))).get(group.id)?.supervised).toBe(false);
  });
});

describe("reviewing student conversations", () => {
  it("guidance lists the conversations that involve students (not the school-wide group, not adults-only ones)", async () => {
    const page = expectStatus(await p("grace").api.get("/api/v1/supervision/conversations?limit=100"), 200);
    const ids = page.conversations.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining([studentDirect.id, classGroup.id]));
    expect(ids).not.toContain(staffDirect.id);
    expect(ids).not.toContain(parentDirect.id);
    expect(page.conversations.some((c: { kind: string }) => c.kind === "primary")).toBe(false);
    const group = page.conversations.find((c: { id: string }) => c.id === classGroup.id);
    expect(group).toMatchObject({ kind: "group", name: "Year 9 maths", memberCount: 3 });
    // Students first among the members shown.
    expect(group.members.slice(0, 2).map((m: { role: string }) => m.role)).toEqual(["student", "student"]);

    const umas = expectStatus(
      await p("grace").api.get(`/api/v1/supervision/conversations?studentId=${p("uma").id}`),
      200,
    );
    expect(umas.conversations.map((c: { id: string }) => c.id)).toEqual([classGroup.id]);
  });

  it("pages through the list, most recently active first", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { conversations: { id: string; updatedAt: string }[]; nextCursor: string | null } =
        expectStatus(
          await admin.get(`/api/v1/supervision/conversations?limit=1${cursor ? `&cursor=${cursor}` : ""}`),
          200,
        );
      seen.push(...page.conversations.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    const all = expectStatus(await admin.get("/api/v1/supervision/conversations?limit=100"), 200);
    expect(seen).toEqual(all.conversations.map((c: { id: string }) => c.id));
    expect(new Set(seen).size).toBe(seen.length);
    expectError(await admin.get("/api/v1/supervision/conversations?cursor=nope"), 400, "VALIDATION_FAILED");
  });

  it("guidance reads a student conversation's history without being in it; every page is audited", async () => {
    const history = expectStatus<MessagePage>(
      await p("grace").api.get(`/api/v1/supervision/conversations/${studentDirect.id}/messages?after=0`),
      200,
    );
    expect(history.messages.map((m) => m.text)).toEqual(["Please hand in the essay", "Tomorrow, sorry"]);
    const older = expectStatus<MessagePage>(
      await admin.get(`/api/v1/supervision/conversations/${classGroup.id}/messages?limit=1`),
      200,
    );
    expect(older.messages.map((m) => m.text)).toEqual(["Is the test on Friday?"]);
    expect(older.hasMore).toBe(true);

    const [viewed] = await latestAudit(admin, {
      action: "supervision.viewed",
      targetType: "conversation",
      targetId: studentDirect.id,
    });
    expect(viewed).toMatchObject({
      actor: { kind: "user", id: p("grace").id },
      targetId: studentDirect.id,
      details: { count: 2, fromSeq: 1, toSeq: 2 },
    });
    expect(
      (await latestAudit(admin, { action: "supervision.listed", actor: p("grace").id })).length,
    ).toBeGreaterThan(0);
    // Grace is still not a member: her own list does not have it.
    expect((await list(p("grace"))).has(studentDirect.id)).toBe(false);
  });

  it("refuses everyone who is not a supervisor, and keeps adults' conversations private", async () => {
    const messages = (id: string) => `/api/v1/supervision/conversations/${id}/messages`;
    // A teacher: in the conversation, refused; not in it, told it does not exist.
    expectError(await p("tom").api.get(messages(studentDirect.id)), 403, "FORBIDDEN");
    expectError(await p("tia").api.get(messages(studentDirect.id)), 404, "CONVERSATION_NOT_FOUND");
    expectError(await p("tom").api.get("/api/v1/supervision/conversations"), 403, "FORBIDDEN");
    // Other staff who are not designated supervisors.
    expectError(await p("reg").api.get("/api/v1/supervision/conversations"), 403, "FORBIDDEN");
    expectError(await p("reg").api.get(messages(classGroup.id)), 404, "CONVERSATION_NOT_FOUND");
    // Students and parents.
    expectError(await p("sol").api.get("/api/v1/supervision/conversations"), 403, "FORBIDDEN");
    expectError(await p("sol").api.get(messages(studentDirect.id)), 403, "FORBIDDEN");
    expectError(await p("pat").api.get(messages(classGroup.id)), 404, "CONVERSATION_NOT_FOUND");
    // A supervisor and a conversation among adults: private, as if it did not exist.
    expectError(await p("grace").api.get(messages(staffDirect.id)), 404, "CONVERSATION_NOT_FOUND");
    expectError(await admin.get(messages(parentDirect.id)), 404, "CONVERSATION_NOT_FOUND");
    expectError(
      await admin.get(messages("6f1c1b0e-3a52-4a8e-9d59-0c6a3b7e2f10")),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    // No refused attempt left a review in the log.
    const views = await latestAudit(admin, { action: "supervision.viewed", limit: "100" });
    expect(views.every((v) => [p("grace").id].includes(v.actor.id!) || v.actor.username === "admin")).toBe(
      true,
    );
  });
});

describe("a school without supervisors", () => {
  it("marks nothing supervised and lets nobody review", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "hallway-policy-"));
    const file = path.join(dir, "policy.json");
    await writeFile(file, JSON.stringify({ version: 1, supervision: { supervisors: [] } }));
    const off = await startTestServer({
      HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET,
      HALLWAY_POLICY_FILE: file,
    });
    try {
      const { api: offAdmin } = await new Api(off.url).signInAdmin();
      const offPeople = await enrol(off.url, offAdmin, [
        { externalId: "W-tom", role: "teacher", displayName: "Tom" },
        { externalId: "W-sol", role: "student", displayName: "Sol" },
      ]);
      const direct = await openDirect(offPeople["W-tom"]!, offPeople["W-sol"]!);
      expect(direct.supervised).toBe(false);
      const refused = await offAdmin.get("/api/v1/supervision/conversations");
      expectError(refused, 403, "FORBIDDEN");
      expect(refused.body.error.message).toMatch(/switched off/);
      expectError(
        await offAdmin.get(`/api/v1/supervision/conversations/${direct.id}/messages`),
        404,
        "CONVERSATION_NOT_FOUND",
      );
    } finally {
      await off.close();
    }
  });
});
