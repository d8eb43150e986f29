import type { AuditEntry } from "@hallway/protocol";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import { auditEntries, createGroup, latestAudit } from "./compliance-helpers.ts";
import {
  enrol,
  expectError,
  nextLoopbackAddress,
  postTrusted,
  rawRequest,
  SERVICE_TOKEN,
  type SignedIn,
  signInTrusted,
  TRUSTED_SECRET,
  trustedToken,
} from "./fixtures.ts";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./harness.ts";

/**
 * The audit log: security-relevant actions are recorded with who, what, when and from where;
 * admins (and only admins) page through it newest first with filters; nobody, not even the
 * application's own database user, can change or remove an entry.
 */

let server: TestServer;
let admin: Api;
let adminId: string;
let people: Record<string, SignedIn>;

const LOCAL_PASSWORD = "a local password 123";

beforeAll(async () => {
  server = await startTestServer({
    HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET,
    HALLWAY_SERVICE_TOKEN: SERVICE_TOKEN,
  });
  const signed = await new Api(server.url).signInAdmin();
  admin = signed.api;
  adminId = signed.session.user.id;
  people = await enrol(server.url, admin, [
    { externalId: "A-ruiz", role: "teacher", displayName: "Ms Ruiz" },
    { externalId: "A-chen", role: "teacher", displayName: "Mr Chen" },
    { externalId: "A-ivy", role: "student", displayName: "Ivy" },
    { externalId: "A-jon", role: "student", displayName: "Jon" },
  ]);
});
afterAll(() => server.close());

const p = (name: string) => people[`A-${name}`]!;

function signInPassword(username: string, password: string) {
  return rawRequest(server.url, {
    method: "POST",
    path: "/api/v1/auth/sign-in",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
    localAddress: nextLoopbackAddress(),
  });
}

describe("every security-relevant action is in the audit log", () => {
  it("sign-ins (password and school system, success and failure), sign-outs, role changes, membership changes", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    // A local account signs in, fails once, signs out.
    const created = expectStatus(
      await admin.post("/api/v1/users", {
        username: "local.lin",
        password: LOCAL_PASSWORD,
        displayName: "Lin",
        role: "teacher",
      }),
      201,
    );
    const ok = await signInPassword("local.lin", LOCAL_PASSWORD);
    expect(ok.status).toBe(200);
    const wrong = await signInPassword("local.lin", "not-the-password-at-all");
    expect(wrong.status).toBe(401);
    const unknownSecret = "hunter2-typed-in-the-username-box";
    expect((await signInPassword(unknownSecret, "whatever-it-is")).status).toBe(401);
    expectStatus(await new Api(server.url, ok.body.accessToken).post("/api/v1/auth/sign-out"), 204);

    // The school system: a good token, a forged one, and a token whose role claim changed.
    await signInTrusted(server.url, await trustedToken({ sub: "A-jon", role: "student", name: "Jon" }));
    const forged = await postTrusted(
      server.url,
      await trustedToken({ sub: "A-jon", role: "admin" }, { secret: "x".repeat(40) }),
    );
    expect(forged.status).toBe(401);
    await signInTrusted(
      server.url,
      await trustedToken({ sub: "A-chen", role: "coordinator", name: "Mr Chen" }),
    );

    // Directory sync changes a role and deactivates someone.
    expectStatus(
      await new Api(server.url, SERVICE_TOKEN).post("/api/v1/directory/sync", {
        users: [
          { externalId: "A-ruiz", role: "principal", displayName: "Ms Ruiz" },
          { externalId: "A-jon", role: "student", displayName: "Jon", active: false },
        ],
      }),
      200,
    );

    // Group membership: create, add, promote, demote, remove, leave.
    const group = await createGroup(p("ruiz"), "Staff room", []);
    const base = `/api/v1/conversations/${group.id}/members`;
    expectStatus(await p("ruiz").api.post(base, { userIds: [p("chen").id, p("ivy").id] }), 200);
    expectStatus(await p("ruiz").api.put(`${base}/${p("chen").id}/role`, { role: "admin" }), 204);
    expectStatus(await p("ruiz").api.put(`${base}/${p("chen").id}/role`, { role: "member" }), 204);
    expectStatus(await p("ruiz").api.delete(`${base}/${p("ivy").id}`), 204);
    expectStatus(await p("chen").api.post(`/api/v1/conversations/${group.id}/leave`), 204);

    const entries = await auditEntries(admin, { from: since });
    const has = (action: string, match: (e: AuditEntry) => boolean = () => true) =>
      expect(
        entries.some((e) => e.action === action && match(e)),
        `${action} in ${JSON.stringify(entries.map((e) => e.action))}`,
      ).toBe(true);

    has(
      "auth.signed_in",
      (e) => e.actor.id === created.id && e.details.method === "password" && e.ip !== null,
    );
    has(
      "auth.sign_in_failed",
      (e) =>
        e.targetId === created.id && e.details.reason === "wrong_password" && e.actor.kind === "anonymous",
    );
    has("auth.sign_in_failed", (e) => e.details.reason === "unknown_user" && e.targetId === null);
    has("auth.signed_out", (e) => e.actor.id === created.id);
    has("auth.signed_in", (e) => e.actor.id === p("jon").id && e.details.method === "trusted");
    has(
      "auth.sign_in_failed",
      (e) => e.details.method === "trusted" && e.details.reason === "TRUSTED_TOKEN_INVALID",
    );
    has(
      "user.role_changed",
      (e) =>
        e.targetId === p("chen").id &&
        e.actor.kind === "service" &&
        e.details.from === "teacher" &&
        e.details.to === "coordinator",
    );
    has(
      "user.role_changed",
      (e) => e.targetId === p("ruiz").id && e.details.from === "teacher" && e.details.to === "principal",
    );
    has("user.deactivated", (e) => e.targetId === p("jon").id && e.actor.kind === "service");
    has("group.created", (e) => e.targetId === group.id && e.actor.id === p("ruiz").id);
    has(
      "member.added",
      (e) => e.targetId === group.id && (e.details.userIds as string[]).includes(p("ivy").id),
    );
    has(
      "member.promoted",
      (e) => e.targetId === group.id && (e.details.userIds as string[])[0] === p("chen").id,
    );
    has("member.demoted", (e) => e.targetId === group.id);
    has(
      "member.removed",
      (e) => e.targetId === group.id && (e.details.userIds as string[])[0] === p("ivy").id,
    );
    has("member.left", (e) => e.targetId === group.id && e.actor.id === p("chen").id);

    // Nothing secret is in there: not the password, not a mistyped one.
    const text = JSON.stringify(entries);
    expect(text).not.toContain(LOCAL_PASSWORD);
    expect(text).not.toContain("not-the-password-at-all");
    expect(text).not.toContain(unknownSecret);
  });

  it("a deactivated person's refused school-system sign-in names them", async () => {
    expectStatus(
      await admin.post("/api/v1/directory/sync", {
        users: [{ externalId: "A-gone", role: "student", displayName: "Gone", active: false }],
      }),
      200,
    );
    const refused = await postTrusted(server.url, await trustedToken({ sub: "A-gone", role: "student" }));
    expect(refused.status).toBe(401);
    const [entry] = await latestAudit(admin, { action: "auth.sign_in_failed", limit: "1" });
    expect(entry).toMatchObject({
      targetType: "user",
      details: { method: "trusted", reason: "SESSION_REVOKED" },
    });
    expect(entry!.targetId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("reading the log", () => {
  it("is for admins only", async () => {
    expectError(await p("ivy").api.get("/api/v1/audit"), 403, "FORBIDDEN");
    // A teacher (Ms Ruiz became principal above; Ivy is a student; Lin is a teacher).
    const lin = await new Api(server.url).signIn("local.lin", LOCAL_PASSWORD);
    expectError(await lin.api.get("/api/v1/audit"), 403, "FORBIDDEN");
    expectError(await p("ruiz").api.get("/api/v1/audit"), 403, "FORBIDDEN");
    expectError(await new Api(server.url, SERVICE_TOKEN).get("/api/v1/audit"), 403, "FORBIDDEN");
    expectError(await new Api(server.url).get("/api/v1/audit"), 401, "UNAUTHENTICATED");
  });

  it("pages newest first without repeats or gaps, also while entries are being written", async () => {
    for (let i = 0; i < 7; i++) await signInPassword("admin", ADMIN_PASSWORD);
    const all = await auditEntries(admin);
    const pages: AuditEntry[] = [];
    let cursor: string | null = null;
    let first = true;
    do {
      const query: string = `/api/v1/audit?limit=4${cursor ? `&cursor=${cursor}` : ""}`;
      const page: { entries: AuditEntry[]; nextCursor: string | null } = expectStatus(
        await admin.get(query),
        200,
      );
      expect(page.entries.length).toBeLessThanOrEqual(4);
      pages.push(...page.entries);
      cursor = page.nextCursor;
      // New entries written meanwhile land before the first page, never inside the walk.
      if (first) await signInPassword("admin", ADMIN_PASSWORD);
      first = false;
    } while (cursor);
    expect(pages.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(new Set(pages.map((e) => e.id)).size).toBe(pages.length);
    // Newest first by time (ids break ties within the same instant).
    for (let i = 1; i < pages.length; i++)
      expect(pages[i - 1]!.at >= pages[i]!.at, `${pages[i - 1]!.id} before ${pages[i]!.id}`).toBe(true);
  });

  it("filters by actor, action or area, target and time", async () => {
    const byAdmin = await auditEntries(admin, { actor: adminId });
    expect(byAdmin.length).toBeGreaterThan(0);
    expect(byAdmin.every((e) => e.actor.id === adminId && e.actor.username === "admin")).toBe(true);

    const auth = await auditEntries(admin, { action: "auth.*" });
    expect(new Set(auth.map((e) => e.action))).toEqual(
      new Set(["auth.signed_in", "auth.sign_in_failed", "auth.signed_out"]),
    );
    const signedIn = await auditEntries(admin, { action: "auth.signed_in" });
    expect(signedIn.every((e) => e.action === "auth.signed_in")).toBe(true);

    const aboutChen = await auditEntries(admin, { targetType: "user", targetId: p("chen").id });
    expect(aboutChen.map((e) => e.action)).toContain("user.role_changed");
    expect(aboutChen.every((e) => e.targetId === p("chen").id)).toBe(true);

    const everything = await auditEntries(admin);
    const middle = everything[Math.floor(everything.length / 2)]!;
    const older = await auditEntries(admin, { to: middle.at });
    const newer = await auditEntries(admin, { from: middle.at });
    expect(older.every((e) => e.at < middle.at)).toBe(true);
    expect(newer.every((e) => e.at >= middle.at)).toBe(true);
    expect(older.length + newer.length).toBe(everything.length);
    // A date alone is midnight UTC.
    expect(await auditEntries(admin, { to: "2000-01-01" })).toEqual([]);
    expect((await auditEntries(admin, { from: "2000-01-01" })).length).toBe(everything.length);
  });

  it("refuses a cursor it did not give out, and bad filters", async () => {
    for (const query of [
      "cursor=abc",
      `cursor=${Buffer.from('["x", 1]').toString("base64url")}`,
      "action=AUTH",
      "actor=not-a-uuid",
      "from=yesterday",
      "limit=501",
      "targetId=a%20b",
    ])
      expectError(await admin.get(`/api/v1/audit?${query}`), 400, "VALIDATION_FAILED");
  });
});

describe("append-only", () => {
  it("the application's own database connection cannot update, delete or truncate entries", async () => {
    const db = server.hallway.ctx.db;
    const [latest] = await latestAudit(admin, { limit: "1" });
    const id = latest!.id;
    await expect(sql`UPDATE audit_log SET action = 'tampered' WHERE id = ${id}`.execute(db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`DELETE FROM audit_log WHERE id = ${id}`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(db)).rejects.toThrow(/append-only/);
    const { rows } = await sql<{ action: string }>`SELECT action FROM audit_log WHERE id = ${id}`.execute(db);
    expect(rows[0]?.action).toBe(latest!.action);
  });
});
