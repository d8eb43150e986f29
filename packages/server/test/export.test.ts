import { ConversationExport } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../src/services/audit/record-audit.ts";
import { Api, expectStatus } from "./api.ts";
import { createGroup, latestAudit, openDirect } from "./compliance-helpers.ts";
import {
  enrol,
  expectError,
  newClientId,
  queryDb,
  SERVICE_TOKEN,
  type SignedIn,
  TRUSTED_SECRET,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * Export for a lawful request: an admin gets everything Hallway holds about one conversation,
 * deleted messages' text included; nobody else gets anything; the export is in the audit log.
 */

let server: TestServer;
let admin: Api;
let adminId: string;
let people: Record<string, SignedIn>;

beforeAll(async () => {
  server = await startTestServer({
    HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET,
    HALLWAY_SERVICE_TOKEN: SERVICE_TOKEN,
  });
  const signed = await new Api(server.url).signInAdmin();
  admin = signed.api;
  adminId = signed.session.user.id;
  people = await enrol(server.url, admin, [
    { externalId: "E-ana", role: "teacher", displayName: "Ana", email: "ana@school.example" },
    { externalId: "E-ben", role: "student", displayName: "Ben" },
    { externalId: "E-cal", role: "student", displayName: "Cal" },
    { externalId: "E-dee", role: "parent", displayName: "Dee" },
  ]);
});
afterAll(() => server.close());

const p = (name: string) => people[`E-${name}`]!;

async function say(who: SignedIn, conversationId: string, text: string) {
  return expectStatus(
    await who.api.post(`/api/v1/conversations/${conversationId}/messages`, { clientId: newClientId(), text }),
    201,
  ).message as { id: string; seq: number };
}

describe("exporting a conversation", () => {
  it("gives an admin the conversation, every member past and present, every message (deleted text too) and its audit entries", async () => {
    const group = await createGroup(p("ana"), "Form 7B", [p("ben"), p("cal")]);
    const hello = await say(p("ana"), group.id, "Welcome to 7B");
    const rude = await say(p("ben"), group.id, "something unkind");
    const oops = await say(p("cal"), group.id, "wrong chat, sorry");
    // Ana corrected a date; Ben answered in its thread.
    const trip = await say(p("ana"), group.id, "Trip on Monday");
    expectStatus(
      await p("ana").api.patch(`/api/v1/conversations/${group.id}/messages/${trip.id}`, {
        text: "Trip on Tuesday",
      }),
      200,
    );
    const answer = expectStatus(
      await p("ben").api.post(`/api/v1/conversations/${group.id}/messages`, {
        clientId: `answer-${group.id}`,
        text: `@${p("ana").session.user.username} noted`,
        parentId: trip.id,
      }),
      201,
    ).message;
    // A moderator removed Ben's message; Cal deleted their own.
    await queryDb(
      server.databaseUrl,
      "UPDATE messages SET deleted_at = now(), removed_by = $2 WHERE id = $1",
      [rude.id, p("ana").id],
    );
    await queryDb(server.databaseUrl, "UPDATE messages SET deleted_at = now() WHERE id = $1", [oops.id]);
    expectStatus(await p("cal").api.post(`/api/v1/conversations/${group.id}/leave`), 204);
    // Entries other features write about a person or a message in this conversation.
    await recordAudit(
      server.hallway.ctx.db,
      { kind: "user", userId: p("ana").id },
      {
        action: "member.muted",
        targetType: "user",
        targetId: p("ben").id,
        details: { conversationId: group.id, minutes: 10 },
      },
    );
    await recordAudit(
      server.hallway.ctx.db,
      { kind: "user", userId: p("ana").id },
      {
        action: "message.removed",
        targetType: "message",
        targetId: rude.id,
      },
    );
    // Members see tombstones.
    const seen = expectStatus(
      await p("ana").api.get(`/api/v1/conversations/${group.id}/messages?after=0`),
      200,
    );
    expect(seen.messages.find((m: { id: string }) => m.id === rude.id).text).toBe("");

    const res = await admin.get(`/api/v1/conversations/${group.id}/export`);
    const exported = ConversationExport.parse(expectStatus(res, 200));
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="conversation-${group.id}.json"`,
    );
    expect(exported).toMatchObject({
      format: "hallway.conversation-export.v1",
      exportedBy: adminId,
      conversation: {
        id: group.id,
        kind: "group",
        name: "Form 7B",
        createdBy: p("ana").id,
        legalHold: false,
      },
    });
    const members = Object.fromEntries(exported.members.map((m) => [m.user.displayName, m]));
    expect(Object.keys(members).sort()).toEqual(["Ana", "Ben", "Cal"]);
    expect(members.Ana).toMatchObject({
      role: "admin",
      leftAt: null,
      user: { email: "ana@school.example", externalId: "E-ana" },
    });
    expect(members.Cal!.leftAt).not.toBeNull();
    expect(Date.parse(members.Cal!.leftAt!)).toBeGreaterThanOrEqual(Date.parse(members.Cal!.joinedAt));

    const byId = new Map(exported.messages.map((m) => [m.id, m]));
    expect(byId.get(hello.id)).toMatchObject({
      text: "Welcome to 7B",
      deleted: false,
      deletedBy: null,
      senderId: p("ana").id,
    });
    expect(byId.get(rude.id)).toMatchObject({
      text: "something unkind",
      deleted: true,
      deletedBy: p("ana").id,
    });
    expect(byId.get(oops.id)).toMatchObject({
      text: "wrong chat, sorry",
      deleted: true,
      deletedBy: p("cal").id,
    });
    // Edits keep every earlier text for the export; thread replies name their parent.
    expect(byId.get(trip.id)).toMatchObject({
      text: "Trip on Tuesday",
      editedAt: expect.any(String),
      edits: [
        { previousText: "Trip on Monday", editorId: p("ana").id, editedAt: byId.get(trip.id)!.editedAt },
      ],
    });
    expect(byId.get(answer.id)).toMatchObject({ parentId: trip.id, mentions: [p("ana").id], edits: [] });
    expect(exported.messages.map((m) => m.seq)).toEqual(
      [...exported.messages.map((m) => m.seq)].sort((a, b) => a - b),
    );
    // System messages are there too: the group's creation and Cal leaving.
    expect(
      exported.messages
        .filter((m) => m.kind === "system")
        .map((m) => (m.system as { action: string }).action),
    ).toEqual(["conversation.created", "member.left"]);

    const actions = exported.audit.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "group.created",
        "member.left",
        "member.muted",
        "message.removed",
        "conversation.exported",
      ]),
    );
    // Nothing about other conversations.
    const other = await createGroup(p("ana"), "Another form", [p("ben")]);
    expect(exported.audit.map((e) => e.targetId)).not.toContain(other.id);
    expect(exported.audit.every((e) => [group.id, p("ben").id, rude.id, trip.id].includes(e.targetId!))).toBe(
      true,
    );
    // The admin who exported appears among the people named (not a member).
    expect(exported.people.map((u) => u.id)).toContain(adminId);
  });

  it("the export itself is in the audit log", async () => {
    const direct = await openDirect(p("ana"), p("ben"));
    expectStatus(await admin.get(`/api/v1/conversations/${direct.id}/export`), 200);
    const [entry] = await latestAudit(admin, { action: "conversation.exported", targetId: direct.id });
    expect(entry).toMatchObject({ actor: { id: adminId, kind: "user" }, targetType: "conversation" });
    expect(entry!.ip).toBeTruthy();
  });

  it("is refused to everyone but admins: a parent, a teacher and a student in it, the school system", async () => {
    const parentDirect = await openDirect(p("ana"), p("dee"));
    const group = await createGroup(p("ana"), "Trip consent", [p("ben")]);
    // A parent: outside the group it does not exist; in their own conversation, refused.
    expectError(
      await p("dee").api.get(`/api/v1/conversations/${group.id}/export`),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expectError(await p("dee").api.get(`/api/v1/conversations/${parentDirect.id}/export`), 403, "FORBIDDEN");
    expectError(await p("ana").api.get(`/api/v1/conversations/${group.id}/export`), 403, "FORBIDDEN");
    expectError(await p("ben").api.get(`/api/v1/conversations/${group.id}/export`), 403, "FORBIDDEN");
    expectError(
      await new Api(server.url, SERVICE_TOKEN).get(`/api/v1/conversations/${group.id}/export`),
      403,
      "FORBIDDEN",
    );
    expectError(
      await admin.get("/api/v1/conversations/6f1c1b0e-3a52-4a8e-9d59-0c6a3b7e2f10/export"),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    // Refusals export nothing and record no export.
    expect(await latestAudit(admin, { action: "conversation.exported", targetId: group.id })).toEqual([]);
  });
});
