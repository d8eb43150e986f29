import type { DirectorySyncBody, DirectorySyncResult } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import {
  expectError,
  queryDb,
  SERVICE_TOKEN,
  type SignedIn,
  signInTrusted,
  TRUSTED_SECRET,
  trustedToken,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

let server: TestServer;
let admin: Api;
let service: Api;

beforeAll(async () => {
  server = await startTestServer({
    HALLWAY_SERVICE_TOKEN: SERVICE_TOKEN,
    HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET,
  });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  service = new Api(server.url, SERVICE_TOKEN);
});
afterAll(() => server.close());

function sync(api: Api, body: unknown) {
  return api.post<DirectorySyncResult>("/api/v1/directory/sync", body);
}

interface UserIn {
  externalId: string;
  role: string;
  displayName: string;
  email?: string;
  username?: string;
  active?: boolean;
}

/** A school of its own per test: every external id is prefixed so tests do not see each other. */
function school(p: string) {
  const users: UserIn[] = [
    { externalId: `${p}T1`, role: "teacher", displayName: "Tara Teach", email: `${p}t1@school.example` },
    { externalId: `${p}S1`, role: "student", displayName: "Sia Student" },
    { externalId: `${p}S2`, role: "student", displayName: "Sol Student" },
    { externalId: `${p}S3`, role: "student", displayName: "Sam Student" },
    { externalId: `${p}P1`, role: "parent", displayName: "Pat Parent" },
    { externalId: `${p}P2`, role: "parent", displayName: "Pia Parent" },
  ];
  return {
    users,
    sections: [
      {
        externalId: `${p}7A`,
        name: "7A",
        teacherIds: [`${p}T1`],
        studentIds: [`${p}S1`, `${p}S2`, `${p}S3`],
      },
    ],
    guardians: [
      { parentId: `${p}P1`, studentIds: [`${p}S1`] },
      { parentId: `${p}P2`, studentIds: [`${p}S2`, `${p}S3`] },
    ],
  };
}

async function sectionMembers(sectionExternalId: string): Promise<string[]> {
  const rows = await queryDb<{ external_id: string; role: string }>(
    server.databaseUrl,
    `SELECT u.external_id, sm.role FROM section_members sm
       JOIN sections s ON s.id = sm.section_id JOIN users u ON u.id = sm.user_id
      WHERE s.external_id = $1 ORDER BY u.external_id`,
    [sectionExternalId],
  );
  return rows.map((r) => `${r.external_id}:${r.role}`);
}

async function childrenOf(parentExternalId: string): Promise<string[]> {
  const rows = await queryDb<{ external_id: string }>(
    server.databaseUrl,
    `SELECT s.external_id FROM guardian_links gl
       JOIN users p ON p.id = gl.parent_id JOIN users s ON s.id = gl.student_id
      WHERE p.external_id = $1 ORDER BY s.external_id`,
    [parentExternalId],
  );
  return rows.map((r) => r.external_id);
}

async function inPrimary(externalIds: string[]): Promise<Record<string, boolean>> {
  const rows = await queryDb<{ external_id: string; member: boolean }>(
    server.databaseUrl,
    `SELECT u.external_id, EXISTS (
        SELECT 1 FROM members m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.kind = 'primary' AND m.user_id = u.id AND m.left_at IS NULL) AS member
       FROM users u WHERE u.external_id = ANY($1)`,
    [externalIds],
  );
  return Object.fromEntries(rows.map((r) => [r.external_id, r.member]));
}

async function countUsers(prefix: string): Promise<number> {
  const [row] = await queryDb<{ n: number }>(
    server.databaseUrl,
    "SELECT count(*)::int AS n FROM users WHERE external_id LIKE $1",
    [`${prefix}%`],
  );
  return row!.n;
}

function signIn(externalId: string, role: string): Promise<SignedIn> {
  return trustedToken({ sub: externalId, role, name: externalId }).then((t) => signInTrusted(server.url, t));
}

describe("who may sync", () => {
  it("the service token and admins may; teachers, strangers and the anonymous may not", async () => {
    expectStatus(await sync(service, school("who-")), 200);
    expectStatus(await sync(admin, school("who-")), 200);
    const teacher = await signIn("who-T1", "teacher");
    expectError(await sync(teacher.api, school("who-")), 403, "FORBIDDEN");
    expectError(await sync(admin.as(undefined), school("who-")), 401, "UNAUTHENTICATED");
    expectError(await sync(admin.as(`${SERVICE_TOKEN}x`), school("who-")), 401, "UNAUTHENTICATED");
    expectError(await sync(admin.as(SERVICE_TOKEN.slice(0, -1)), school("who-")), 401, "UNAUTHENTICATED");
    // The service token is for the directory only, not for acting as a user.
    expectError(await service.get("/api/v1/conversations"), 403, "FORBIDDEN");
    expectError(await service.get("/api/v1/me"), 403, "FORBIDDEN");
  });
});

describe("syncing the directory", () => {
  it("creates everything the first time and changes nothing the second", async () => {
    const first = expectStatus(await sync(service, school("idem-")), 200);
    expect(first).toEqual({
      users: { created: 6, updated: 0, unchanged: 0, deactivated: 0 },
      sections: { created: 1, updated: 0, unchanged: 0 },
      enrolments: { added: 4, removed: 0 },
      guardians: { added: 3, removed: 0 },
      unknownExternalIds: [],
    });
    const second = expectStatus(await sync(service, school("idem-")), 200);
    expect(second).toEqual({
      users: { created: 0, updated: 0, unchanged: 6, deactivated: 0 },
      sections: { created: 0, updated: 0, unchanged: 1 },
      enrolments: { added: 0, removed: 0 },
      guardians: { added: 0, removed: 0 },
      unknownExternalIds: [],
    });
    expect(await sectionMembers("idem-7A")).toEqual([
      "idem-S1:student",
      "idem-S2:student",
      "idem-S3:student",
      "idem-T1:teacher",
    ]);
    expect(await childrenOf("idem-P2")).toEqual(["idem-S2", "idem-S3"]);
  });

  it("updates what changed and reports it", async () => {
    const body = school("upd-");
    expectStatus(await sync(service, body), 200);
    body.users[0] = { ...body.users[0]!, displayName: "Tara Teach-Smith" };
    body.sections[0] = { ...body.sections[0]!, name: "7A (Room 12)" };
    const result = expectStatus(await sync(service, body), 200);
    expect(result.users).toEqual({ created: 0, updated: 1, unchanged: 5, deactivated: 0 });
    expect(result.sections).toEqual({ created: 0, updated: 1, unchanged: 0 });
    const [row] = await queryDb(server.databaseUrl, "SELECT display_name FROM users WHERE external_id = $1", [
      "upd-T1",
    ]);
    expect(row.display_name).toBe("Tara Teach-Smith");
  });

  it("a section's lists replace its membership", async () => {
    const body = school("sec-");
    body.users.push({ externalId: "sec-S4", role: "student", displayName: "Sky Student" });
    expectStatus(await sync(service, body), 200);
    // S3 moves away, S4 arrives.
    const moved = {
      sections: [{ ...body.sections[0]!, studentIds: ["sec-S1", "sec-S2", "sec-S4"] }],
    };
    const result = expectStatus(await sync(service, moved), 200);
    expect(result.enrolments).toEqual({ added: 1, removed: 1 });
    expect(await sectionMembers("sec-7A")).toEqual([
      "sec-S1:student",
      "sec-S2:student",
      "sec-S4:student",
      "sec-T1:teacher",
    ]);
    // Empty lists empty the section; the users themselves stay.
    const emptied = expectStatus(
      await sync(service, {
        sections: [{ externalId: "sec-7A", name: "7A", teacherIds: [], studentIds: [] }],
      }),
      200,
    );
    expect(emptied.enrolments).toEqual({ added: 0, removed: 4 });
    expect(await sectionMembers("sec-7A")).toEqual([]);
    expect(await countUsers("sec-")).toBe(7);
  });

  it("a parent's list replaces their links; parents not named keep theirs", async () => {
    const body = school("gua-");
    expectStatus(await sync(service, body), 200);
    const result = expectStatus(
      await sync(service, { guardians: [{ parentId: "gua-P2", studentIds: ["gua-S3", "gua-S1"] }] }),
      200,
    );
    expect(result.guardians).toEqual({ added: 1, removed: 1 });
    expect(await childrenOf("gua-P2")).toEqual(["gua-S1", "gua-S3"]);
    expect(await childrenOf("gua-P1")).toEqual(["gua-S1"]);
    const cleared = expectStatus(
      await sync(service, { guardians: [{ parentId: "gua-P2", studentIds: [] }] }),
      200,
    );
    expect(cleared.guardians).toEqual({ added: 0, removed: 2 });
    expect(await childrenOf("gua-P2")).toEqual([]);
  });

  it("reports ids that match nobody and links everyone else", async () => {
    const body = school("unk-");
    body.sections[0]!.studentIds.push("unk-GHOST-1");
    body.sections[0]!.teacherIds.push("unk-GHOST-2");
    body.guardians.push({ parentId: "unk-GHOST-3", studentIds: ["unk-S1"] });
    body.guardians[0]!.studentIds.push("unk-GHOST-4");
    const result = expectStatus(await sync(service, body), 200);
    expect([...result.unknownExternalIds].sort()).toEqual([
      "unk-GHOST-1",
      "unk-GHOST-2",
      "unk-GHOST-3",
      "unk-GHOST-4",
    ]);
    expect(result.enrolments.added).toBe(4);
    expect(result.guardians.added).toBe(3);
    expect(await childrenOf("unk-P1")).toEqual(["unk-S1"]);
    expect(await countUsers("unk-GHOST")).toBe(0);
  });

  it("refuses an unknown role, naming it, and writes nothing", async () => {
    const body = school("role-");
    body.users.push({ externalId: "role-X1", role: "wizard", displayName: "Merlin" });
    const res = await sync(service, body);
    expectError(res, 400, "VALIDATION_FAILED");
    expect((res.body as any).error.message).toContain("wizard");
    expect(await countUsers("role-")).toBe(0);
  });

  it("refuses a username that belongs to someone else, and writes nothing of that call", async () => {
    expectStatus(
      await sync(service, {
        users: [{ externalId: "nam-A", role: "teacher", displayName: "Alex A", username: "alex" }],
      }),
      200,
    );
    const body = school("nam-");
    body.users.push({ externalId: "nam-B", role: "teacher", displayName: "Alex B", username: "ALEX" });
    const res = await sync(service, body);
    expectError(res, 409, "USERNAME_TAKEN");
    expect((res.body as any).error.details).toEqual({ externalIds: ["nam-B"] });
    expect(await countUsers("nam-")).toBe(1);
    const [sections] = await queryDb(
      server.databaseUrl,
      "SELECT count(*)::int AS n FROM sections WHERE external_id = $1",
      ["nam-7A"],
    );
    expect(sections.n).toBe(0);
    // A local account's username is taken too; a derived username steps aside instead.
    expectStatus(
      await sync(service, { users: [{ externalId: "admin", role: "teacher", displayName: "Not Admin" }] }),
      200,
    );
    const [derived] = await queryDb(
      server.databaseUrl,
      "SELECT username FROM users WHERE external_id = 'admin'",
    );
    expect(derived.username).toMatch(/^admin-[0-9a-f]{8}$/);
  });

  it("active users are in the school-wide group; deactivated ones leave it and lose their sessions", async () => {
    const body = school("act-");
    expectStatus(await sync(service, body), 200);
    const ids = body.users.map((u) => u.externalId);
    expect(Object.values(await inPrimary(ids))).toEqual(ids.map(() => true));

    const student = await signIn("act-S1", "student");
    const parent = await signIn("act-P1", "parent");
    expectStatus(await student.api.get("/api/v1/me"), 200);

    const result = expectStatus(
      await sync(service, {
        users: [
          { externalId: "act-S1", role: "student", displayName: "Sia Student", active: false },
          { externalId: "act-P1", role: "parent", displayName: "Pat Parent", active: false },
        ],
      }),
      200,
    );
    expect(result.users).toEqual({ created: 0, updated: 2, unchanged: 0, deactivated: 2 });
    expectError(await student.api.get("/api/v1/me"), 401, "SESSION_REVOKED");
    expectError(await parent.api.get("/api/v1/conversations"), 401, "SESSION_REVOKED");
    expect(await inPrimary(["act-S1", "act-P1", "act-S2"])).toEqual({
      "act-S1": false,
      "act-P1": false,
      "act-S2": true,
    });
    // Deactivating again is not a second deactivation.
    const again = expectStatus(
      await sync(service, {
        users: [{ externalId: "act-S1", role: "student", displayName: "Sia Student", active: false }],
      }),
      200,
    );
    expect(again.users).toEqual({ created: 0, updated: 0, unchanged: 1, deactivated: 0 });
    // Others no longer find them, and cannot start a conversation with them.
    const teacher = await signIn("act-T1", "teacher");
    const found = expectStatus(await teacher.api.get("/api/v1/users?q=act-S&limit=100"), 200);
    expect(found.users.map((u: { id: string }) => u.id)).not.toContain(student.id);
    expect(found.users.length).toBeGreaterThan(0);
    expectError(
      await teacher.api.post("/api/v1/conversations/direct", { userId: student.id }),
      403,
      "USER_INACTIVE",
    );
    // Reactivated: back in the group.
    expectStatus(await sync(service, { users: [body.users[1]!] }), 200);
    expect((await inPrimary(["act-S1"]))["act-S1"]).toBe(true);
  });
});

describe("a whole school in one call", () => {
  it("syncs 10,000 users, 300 sections of 30 students and 5,000 guardian links", {
    timeout: 180_000,
  }, async () => {
    const users: DirectorySyncBody["users"] = [];
    for (let i = 0; i < 6_000; i++)
      users.push({
        externalId: `big-S${i}`,
        role: "student",
        displayName: `Student ${i}`,
        active: true,
      });
    for (let i = 0; i < 3_500; i++)
      users.push({
        externalId: `big-P${i}`,
        role: "parent",
        displayName: `Parent ${i}`,
        email: `parent${i}@home.example`,
        active: true,
      });
    for (let i = 0; i < 500; i++)
      users.push({ externalId: `big-T${i}`, role: "teacher", displayName: `Teacher ${i}`, active: true });
    const sections: DirectorySyncBody["sections"] = [];
    for (let s = 0; s < 300; s++)
      sections.push({
        externalId: `big-SEC${s}`,
        name: `Section ${s}`,
        teacherIds: [`big-T${s}`],
        studentIds: Array.from({ length: 30 }, (_, k) => `big-S${(s * 20 + k) % 6_000}`),
        active: true,
      });
    const guardians: DirectorySyncBody["guardians"] = [];
    for (let p = 0; p < 2_500; p++)
      guardians.push({
        parentId: `big-P${p}`,
        studentIds: [`big-S${(2 * p) % 6_000}`, `big-S${(2 * p + 1) % 6_000}`],
      });
    const body = { users, sections, guardians };
    const bytes = Buffer.byteLength(JSON.stringify(body));

    let started = performance.now();
    const first = expectStatus(await sync(service, body), 200);
    const firstMs = performance.now() - started;
    expect(first).toEqual({
      users: { created: 10_000, updated: 0, unchanged: 0, deactivated: 0 },
      sections: { created: 300, updated: 0, unchanged: 0 },
      enrolments: { added: 300 * 31, removed: 0 },
      guardians: { added: 5_000, removed: 0 },
      unknownExternalIds: [],
    });

    started = performance.now();
    const second = expectStatus(await sync(service, body), 200);
    const secondMs = performance.now() - started;
    expect(second.users).toEqual({ created: 0, updated: 0, unchanged: 10_000, deactivated: 0 });
    expect(second.enrolments).toEqual({ added: 0, removed: 0 });
    expect(second.guardians).toEqual({ added: 0, removed: 0 });

    expect(await countUsers("big-")).toBe(10_000);
    const [counts] = await queryDb(
      server.databaseUrl,
      `SELECT
         (SELECT count(*)::int FROM section_members sm JOIN sections s ON s.id = sm.section_id
           WHERE s.external_id LIKE 'big-%') AS enrolments,
         (SELECT count(*)::int FROM guardian_links gl JOIN users p ON p.id = gl.parent_id
           WHERE p.external_id LIKE 'big-%') AS links,
         (SELECT count(*)::int FROM users WHERE active) AS active_users,
         (SELECT count(*)::int FROM members m JOIN conversations c ON c.id = m.conversation_id
           WHERE c.kind = 'primary' AND m.left_at IS NULL) AS primary_members`,
    );
    expect(counts).toEqual({
      enrolments: 9_300,
      links: 5_000,
      active_users: counts.primary_members,
      primary_members: counts.primary_members,
    });

    // Someone from the synced school signs in and sees the school-wide group with everyone.
    const parent = await signIn("big-P42", "parent");
    const list = expectStatus(await parent.api.get("/api/v1/conversations"), 200);
    expect(list.conversations[0]).toMatchObject({ kind: "primary", memberCount: counts.active_users });

    console.log(
      `[directory sync] 10,000 users + 300 sections (9,300 enrolments) + 5,000 guardian links, ` +
        `${(bytes / 1024 / 1024).toFixed(1)} MB: first sync ${firstMs.toFixed(0)} ms, ` +
        `identical re-sync ${secondMs.toFixed(0)} ms (${process.env.DATABASE_URL ? "DATABASE_URL" : "embedded"} PostgreSQL)`,
    );
  });
});
