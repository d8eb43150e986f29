import type { Invite } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import { auditEntries, connectClient, createGroup, eventually, openDirect } from "./compliance-helpers.ts";
import { enrol, expectError, type MessagePage, queryDb, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * Invite links: a group admin who may add people makes one; whoever opens it joins, if the
 * policy would let its creator add them today; uses are counted exactly; expired, revoked and
 * used-up invites say so; expired ones are cleaned up by a durable job.
 */

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;

const STUDENTS = ["sam", "ada", "kim", "lou", "max", "ned", "ora", "pia", "quin", "ray", "sia"];

beforeAll(async () => {
  server = await startTestServer({
    HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET,
    PUBLIC_URL: "https://chat.school.example",
  });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(server.url, admin, [
    { externalId: "I-rivera", role: "teacher", displayName: "Ms Rivera" },
    { externalId: "I-okafor", role: "teacher", displayName: "Mr Okafor" },
    { externalId: "I-lee", role: "parent", displayName: "Alex Lee" },
    ...STUDENTS.map((s) => ({ externalId: `I-${s}`, role: "student", displayName: s })),
  ]);
  // Alex Lee is Sam's parent.
  expectStatus(
    await admin.post("/api/v1/directory/sync", { guardians: [{ parentId: "I-lee", studentIds: ["I-sam"] }] }),
    200,
  );
});
afterAll(() => server.close());

const p = (name: string) => people[`I-${name}`]!;

async function makeInvite(as: SignedIn, conversationId: string, body: object = { expiresInHours: 24 }) {
  return expectStatus<Invite>(
    await as.api.post(`/api/v1/conversations/${conversationId}/invites`, body),
    201,
  );
}

function join(as: SignedIn, code: string) {
  return as.api.post(`/api/v1/invites/${code}/join`);
}

describe("making and using an invite", () => {
  it("a teacher makes a link; a student joins with it; everyone sees it; no use is counted twice", async () => {
    const group = await createGroup(p("rivera"), "Chess club", [p("sam")]);
    const watcher = await connectClient(server.url, p("ada").session);
    const joinedEvent = new Promise((resolve) => watcher.once("conversation.joined", resolve));
    try {
      const invite = await makeInvite(p("rivera"), group.id, { expiresInHours: 48, maxUses: 5 });
      expect(invite).toMatchObject({
        conversationId: group.id,
        maxUses: 5,
        uses: 0,
        status: "active",
        createdBy: p("rivera").id,
        url: `https://chat.school.example/#/invite/${invite.code}`,
      });
      const hours = (Date.parse(invite.expiresAt) - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(47.9);
      expect(hours).toBeLessThanOrEqual(48);

      const joined = expectStatus(await join(p("ada"), invite.code), 200);
      expect(joined).toMatchObject({ joined: true, conversation: { id: group.id, kind: "group" } });
      // Ada's connected device follows the group from now on.
      expect(await joinedEvent).toEqual({ conversationId: group.id });

      const history = expectStatus<MessagePage>(
        await p("rivera").api.get(`/api/v1/conversations/${group.id}/messages?after=0`),
        200,
      );
      expect(history.messages.at(-1)?.system).toEqual({
        action: "member.joined",
        actorId: p("ada").id,
        userIds: [p("ada").id],
      });

      // Tapping the link again changes nothing and uses nothing.
      expect(expectStatus(await join(p("ada"), invite.code), 200)).toMatchObject({ joined: false });
      const [row] = await queryDb(server.databaseUrl, "SELECT uses FROM invites WHERE id = $1", [invite.id]);
      expect(row.uses).toBe(1);

      const listed = expectStatus(
        await p("rivera").api.get(`/api/v1/conversations/${group.id}/invites`),
        200,
      );
      expect(listed.invites).toEqual([{ ...invite, uses: 1 }]);
    } finally {
      watcher.disconnect();
    }
  });

  it("only a group admin who may add people makes invites, and only to groups", async () => {
    const group = await createGroup(p("rivera"), "Robotics", [p("sam"), p("okafor")]);
    // A member who is not an admin.
    expectError(
      await p("okafor").api.post(`/api/v1/conversations/${group.id}/invites`, { expiresInHours: 1 }),
      403,
      "FORBIDDEN",
    );
    // A student made admin of a teacher's group still may not bring people in.
    expectStatus(
      await p("rivera").api.put(`/api/v1/conversations/${group.id}/members/${p("sam").id}/role`, {
        role: "admin",
      }),
      204,
    );
    expectError(
      await p("sam").api.post(`/api/v1/conversations/${group.id}/invites`, { expiresInHours: 1 }),
      403,
      "FORBIDDEN",
    );
    // Someone outside the group is told it does not exist.
    expectError(
      await p("kim").api.post(`/api/v1/conversations/${group.id}/invites`, { expiresInHours: 1 }),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    const direct = await openDirect(p("rivera"), p("okafor"));
    expectError(
      await p("rivera").api.post(`/api/v1/conversations/${direct.id}/invites`, { expiresInHours: 1 }),
      409,
      "CONVERSATION_KIND_MISMATCH",
    );
    for (const body of [
      { expiresInHours: 30 * 24 + 1 },
      { expiresInHours: 0 },
      { expiresInHours: 1, maxUses: 0 },
      { expiresInHours: 1.5 },
      {},
    ])
      expectError(
        await p("rivera").api.post(`/api/v1/conversations/${group.id}/invites`, body),
        400,
        "VALIDATION_FAILED",
      );
    // Members who are not admins do not see the group's links either.
    expectError(await p("okafor").api.get(`/api/v1/conversations/${group.id}/invites`), 403, "FORBIDDEN");
  });
});

describe("invites that no longer work", () => {
  it("an unknown code is INVITE_NOT_FOUND, an expired one INVITE_EXPIRED", async () => {
    expectError(await join(p("kim"), "6f1c1b0e-3a52-4a8e-9d59-0c6a3b7e2f10"), 404, "INVITE_NOT_FOUND");
    const group = await createGroup(p("rivera"), "Drama", []);
    const invite = await makeInvite(p("rivera"), group.id);
    await queryDb(
      server.databaseUrl,
      "UPDATE invites SET expires_at = now() - interval '1 minute' WHERE id = $1",
      [invite.id],
    );
    expectError(await join(p("kim"), invite.code), 410, "INVITE_EXPIRED");
    const listed = expectStatus(await p("rivera").api.get(`/api/v1/conversations/${group.id}/invites`), 200);
    expect(listed.invites[0].status).toBe("expired");
  });

  it("a revoked invite stops at once; revoking twice is fine; only the group's admins revoke its invites", async () => {
    const group = await createGroup(p("rivera"), "Debate", [p("okafor")]);
    const other = await createGroup(p("okafor"), "Okafor's group", []);
    const invite = await makeInvite(p("rivera"), group.id);
    const theirs = await makeInvite(p("okafor"), other.id);
    // A member who is not an admin may not revoke.
    expectError(
      await p("okafor").api.delete(`/api/v1/conversations/${group.id}/invites/${invite.id}`),
      403,
      "FORBIDDEN",
    );
    // Another group's invite cannot be reached through this group.
    expectError(
      await p("rivera").api.delete(`/api/v1/conversations/${group.id}/invites/${theirs.id}`),
      404,
      "INVITE_NOT_FOUND",
    );
    expectError(
      await p("rivera").api.delete(`/api/v1/conversations/${other.id}/invites/${theirs.id}`),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expectStatus(await p("rivera").api.delete(`/api/v1/conversations/${group.id}/invites/${invite.id}`), 204);
    expectStatus(await p("rivera").api.delete(`/api/v1/conversations/${group.id}/invites/${invite.id}`), 204);
    expectError(await join(p("lou"), invite.code), 410, "INVITE_REVOKED");
    const listed = expectStatus(await p("rivera").api.get(`/api/v1/conversations/${group.id}/invites`), 200);
    expect(listed.invites[0]).toMatchObject({ id: invite.id, status: "revoked", uses: 0 });
    // The other group's code still works, and lands in that group, not this one.
    const joined = expectStatus(await join(p("lou"), theirs.code), 200);
    expect(joined.conversation.id).toBe(other.id);
    const [row] = await queryDb(
      server.databaseUrl,
      "SELECT count(*)::int AS n FROM members WHERE conversation_id = $1 AND user_id = $2",
      [group.id, p("lou").id],
    );
    expect(row.n).toBe(0);
  });

  it("eight students opening a three-use link at once: three join, five get INVITE_USED_UP", async () => {
    const group = await createGroup(p("okafor"), "Trip", []);
    const invite = await makeInvite(p("okafor"), group.id, { expiresInHours: 2, maxUses: 3 });
    const joiners = ["max", "ned", "ora", "pia", "quin", "ray", "sia", "kim"].map(p);
    const results = await Promise.all(joiners.map((j) => join(j, invite.code)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 410, 410, 410, 410, 410]);
    for (const r of results.filter((r) => r.status === 410)) expectError(r, 410, "INVITE_USED_UP");
    const [row] = await queryDb(
      server.databaseUrl,
      `SELECT i.uses, (SELECT count(*)::int FROM members m WHERE m.conversation_id = i.conversation_id AND m.left_at IS NULL) AS members
       FROM invites i WHERE i.id = $1`,
      [invite.id],
    );
    expect(row).toEqual({ uses: 3, members: 4 });
    const listed = expectStatus(await p("okafor").api.get(`/api/v1/conversations/${group.id}/invites`), 200);
    expect(listed.invites[0].status).toBe("used_up");
  });
});

describe("the policy still applies to whoever opens the link", () => {
  it("a parent cannot join through a link into a group with other people's children", async () => {
    const group = await createGroup(p("rivera"), "Art class", [p("ada")]);
    const invite = await makeInvite(p("rivera"), group.id);
    expectError(await join(p("lee"), invite.code), 403, "FORBIDDEN");
    // With only their own child there, the same link lets them in.
    const family = await createGroup(p("rivera"), "Sam's support plan", [p("sam")]);
    const familyInvite = await makeInvite(p("rivera"), family.id);
    expect(expectStatus(await join(p("lee"), familyInvite.code), 200).joined).toBe(true);
    const [row] = await queryDb(server.databaseUrl, "SELECT uses FROM invites WHERE id = $1", [invite.id]);
    expect(row.uses).toBe(0);
  });

  it("an invite stops working when its creator loses admin rights, and works again when they get them back", async () => {
    const group = await createGroup(p("rivera"), "Science fair", [p("okafor")]);
    expectStatus(
      await p("rivera").api.put(`/api/v1/conversations/${group.id}/members/${p("okafor").id}/role`, {
        role: "admin",
      }),
      204,
    );
    const invite = await makeInvite(p("okafor"), group.id);
    expectStatus(
      await p("rivera").api.put(`/api/v1/conversations/${group.id}/members/${p("okafor").id}/role`, {
        role: "member",
      }),
      204,
    );
    const refused = await join(p("kim"), invite.code);
    expectError(refused, 403, "FORBIDDEN");
    expect(refused.body.error.message).toMatch(/no longer works/);
    expectStatus(
      await p("rivera").api.put(`/api/v1/conversations/${group.id}/members/${p("okafor").id}/role`, {
        role: "admin",
      }),
      204,
    );
    expect(expectStatus(await join(p("kim"), invite.code), 200).joined).toBe(true);
  });

  it("an invite stops working when its creator leaves the group or is deactivated", async () => {
    const enrolled = await enrol(server.url, admin, [
      { externalId: "I-temp", role: "teacher", displayName: "Supply teacher" },
    ]);
    const temp = enrolled["I-temp"]!;
    const group = await createGroup(temp, "Cover lesson", [p("rivera")]);
    expectStatus(
      await temp.api.put(`/api/v1/conversations/${group.id}/members/${p("rivera").id}/role`, {
        role: "admin",
      }),
      204,
    );
    const invite = await makeInvite(temp, group.id);
    expectStatus(
      await admin.post("/api/v1/directory/sync", {
        users: [{ externalId: "I-temp", role: "teacher", displayName: "Supply teacher", active: false }],
      }),
      200,
    );
    expectError(await join(p("lou"), invite.code), 403, "FORBIDDEN");
    const second = await makeInvite(p("rivera"), group.id);
    expectStatus(await p("rivera").api.post(`/api/v1/conversations/${group.id}/leave`), 204);
    expectError(await join(p("lou"), second.code), 403, "FORBIDDEN");
  });
});

describe("clean-up and the audit trail", () => {
  it("the clean-up job removes expired invites and leaves live ones", async () => {
    const group = await createGroup(p("rivera"), "Library", []);
    const live = await makeInvite(p("rivera"), group.id);
    const old = await makeInvite(p("rivera"), group.id);
    const revokedOld = await makeInvite(p("rivera"), group.id);
    expectStatus(
      await p("rivera").api.delete(`/api/v1/conversations/${group.id}/invites/${revokedOld.id}`),
      204,
    );
    await queryDb(
      server.databaseUrl,
      "UPDATE invites SET expires_at = now() - interval '1 hour' WHERE id = ANY($1)",
      [[old.id, revokedOld.id]],
    );
    await server.hallway.jobs!.runNow("invites.remove_expired");
    const rows = await queryDb(server.databaseUrl, "SELECT id FROM invites WHERE conversation_id = $1", [
      group.id,
    ]);
    expect(rows.map((r) => r.id)).toEqual([live.id]);
    // A link to a cleaned-up invite is simply unknown.
    expectError(await join(p("lou"), old.code), 404, "INVITE_NOT_FOUND");
  });

  it("making, revoking and joining through invites are in the audit log", async () => {
    const group = await createGroup(p("rivera"), "Audit club", []);
    const invite = await makeInvite(p("rivera"), group.id, { expiresInHours: 3, maxUses: 2 });
    expectStatus(await join(p("max"), invite.code), 200);
    expectStatus(await p("rivera").api.delete(`/api/v1/conversations/${group.id}/invites/${invite.id}`), 204);
    const entries = await eventually(async () => {
      const found = await auditEntries(admin, { targetType: "conversation", targetId: group.id });
      return found.length >= 4 ? found : undefined;
    });
    expect(entries.map((e) => [e.action, e.actor.id]).reverse()).toEqual([
      ["group.created", p("rivera").id],
      ["invite.created", p("rivera").id],
      ["member.joined", p("max").id],
      ["invite.revoked", p("rivera").id],
    ]);
    expect(entries.find((e) => e.action === "member.joined")?.details).toMatchObject({
      inviteId: invite.id,
      invitedBy: p("rivera").id,
      userIds: [p("max").id],
    });
    expect(entries.find((e) => e.action === "invite.created")?.ip).toBeTruthy();
  });
});
