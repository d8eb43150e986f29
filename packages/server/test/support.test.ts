import type { ConversationSummary, SupportTicket } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import { enrol, expectError, newClientId, queryDb, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import {
  connect,
  eventually,
  findConversation,
  history,
  memberIds,
  send,
  sorted,
  sync,
} from "./school-fixtures.ts";

/**
 * Support desks: anyone opens a conversation with a staff role, any of that role answers, the
 * desk works a queue. Rita and Raj are registrars, Ana is in accounting, Gil in guidance;
 * Pat is a parent, Sam a student, Tara a teacher.
 */

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;
const p = (id: string) => people[id]!;

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(server.url, admin, [
    { externalId: "R-rita", role: "registrar", displayName: "Rita" },
    { externalId: "R-raj", role: "registrar", displayName: "Raj" },
    { externalId: "A-ana", role: "accounting", displayName: "Ana" },
    { externalId: "G-gil", role: "guidance", displayName: "Gil" },
    { externalId: "P-pat", role: "parent", displayName: "Pat" },
    { externalId: "P-pia", role: "parent", displayName: "Pia" },
    { externalId: "S-sam", role: "student", displayName: "Sam" },
    { externalId: "T-tara", role: "teacher", displayName: "Tara" },
  ]);
});
afterAll(() => server.close());

function open(as: SignedIn, desk: string, text: string, clientId?: string) {
  return as.api.post<ConversationSummary>("/api/v1/support", {
    desk,
    text,
    ...(clientId ? { clientId } : {}),
  });
}

function queue(as: SignedIn | Api, query = "") {
  const api = as instanceof Api ? as : as.api;
  return api.get<{ tickets: SupportTicket[]; nextCursor: string | null }>(`/api/v1/support/queue${query}`);
}

function claim(as: SignedIn | Api, id: string) {
  return (as instanceof Api ? as : as.api).post<ConversationSummary>(`/api/v1/support/${id}/claim`);
}

function resolve(as: SignedIn | Api, id: string) {
  return (as instanceof Api ? as : as.api).post<ConversationSummary>(`/api/v1/support/${id}/resolve`);
}

describe("a parent asks the registrar", () => {
  let ticket: ConversationSummary;

  it("a parent opens a support conversation with the registrar that any registrar can answer", async () => {
    const rita = await connect(server.url, p("R-rita").session);
    try {
      ticket = expectStatus(
        await open(p("P-pat"), "registrar", "Could I have a copy of Sam's enrolment letter?"),
        201,
      );
      expect(ticket).toMatchObject({
        kind: "support",
        name: "Registrar",
        createdBy: p("P-pat").id,
        support: {
          desk: "registrar",
          status: "open",
          requesterId: p("P-pat").id,
          claimedBy: null,
          resolvedAt: null,
        },
        lastMessage: { text: "Could I have a copy of Sam's enrolment letter?", senderId: p("P-pat").id },
      });
      // The asker and every registrar; nobody else.
      expect(await memberIds(p("P-pat").api, ticket.id)).toEqual(
        sorted([p("P-pat").id, p("R-rita").id, p("R-raj").id]),
      );
      // A registrar online hears of it at once.
      await eventually(() => {
        expect(rita.events).toContainEqual({
          ev: "conversation.joined",
          data: { conversationId: ticket.id },
        });
        expect(
          rita.events.some((e) => e.ev === "message.created" && e.data.conversationId === ticket.id),
        ).toBe(true);
      });
      // Raj answers; Pat reads it.
      expectStatus(await send(p("R-raj").api, ticket.id, "Of course, it is on its way by email."), 201);
      expect((await history(p("P-pat").api, ticket.id)).map((m) => [m.senderId, m.text])).toEqual([
        [p("P-pat").id, "Could I have a copy of Sam's enrolment letter?"],
        [p("R-raj").id, "Of course, it is on its way by email."],
      ]);
      // Both the question and Raj's answer are unread for Rita.
      expect((await findConversation(p("R-rita").api, (c) => c.id === ticket.id))?.unreadCount).toBe(2);
      expectStatus(await send(p("R-rita").api, ticket.id, "Raj has sent it."), 201);
    } finally {
      rita.client.disconnect();
    }
  });

  it("is invisible to other desks and everyone else", async () => {
    for (const other of [p("A-ana"), p("G-gil"), p("T-tara"), p("P-pia"), p("S-sam")]) {
      expectError(await other.api.get(`/api/v1/conversations/${ticket.id}`), 404, "CONVERSATION_NOT_FOUND");
      expectError(await send(other.api, ticket.id, "hello?"), 404, "CONVERSATION_NOT_FOUND");
      expectError(await claim(other, ticket.id), 404, "CONVERSATION_NOT_FOUND");
      expectError(await resolve(other, ticket.id), 404, "CONVERSATION_NOT_FOUND");
    }
  });

  it("sits in the registrar's queue, which only registrars and admins see", async () => {
    const mine = expectStatus(await queue(p("R-raj")), 200);
    expect(mine.tickets).toEqual([
      {
        conversationId: ticket.id,
        desk: "registrar",
        status: "open",
        requester: expect.objectContaining({ id: p("P-pat").id, displayName: "Pat" }),
        claimedBy: null,
        createdAt: ticket.createdAt,
        updatedAt: expect.any(String),
        resolvedAt: null,
        lastMessage: expect.objectContaining({ text: "Raj has sent it." }),
      },
    ]);
    expect(expectStatus(await queue(p("R-rita"), "?desk=registrar"), 200).tickets).toHaveLength(1);
    // Admins see every desk at once, or one.
    expect(expectStatus(await queue(admin), 200).tickets.map((t) => t.conversationId)).toEqual([ticket.id]);
    expect(
      expectStatus(await queue(admin, "?desk=registrar"), 200).tickets.map((t) => t.conversationId),
    ).toEqual([ticket.id]);
    // Another desk's staff see their own queue, not this one.
    expect(expectStatus(await queue(p("A-ana")), 200).tickets).toEqual([]);
    expectError(await queue(p("A-ana"), "?desk=registrar"), 403, "FORBIDDEN");
    expectError(await queue(p("R-rita"), "?desk=accounting"), 403, "FORBIDDEN");
    for (const nobody of [p("P-pat"), p("S-sam"), p("T-tara")]) {
      expectError(await queue(nobody), 403, "FORBIDDEN");
      expectError(await queue(nobody, "?desk=registrar"), 403, "FORBIDDEN");
    }
    expectError(await queue(p("R-rita"), "?desk=teacher"), 403, "FORBIDDEN");
    expectError(await queue(p("R-rita"), "?status=closed"), 400, "VALIDATION_FAILED");
  });

  it("is claimed by one registrar, resolved by another, and keeps its history", async () => {
    // The asker, and an admin watching the queue, are told who may claim it.
    expectError(await claim(p("P-pat"), ticket.id), 403, "FORBIDDEN");
    expectError(await resolve(p("P-pat"), ticket.id), 403, "FORBIDDEN");
    expectError(await claim(admin, ticket.id), 403, "FORBIDDEN");

    const claimed = expectStatus(await claim(p("R-rita"), ticket.id), 200);
    expect(claimed.support).toMatchObject({ status: "claimed", claimedBy: p("R-rita").id });
    const again = expectStatus(await claim(p("R-rita"), ticket.id), 200);
    expect(again.lastSeq).toBe(claimed.lastSeq);
    expect(expectStatus(await queue(p("R-raj")), 200).tickets[0]).toMatchObject({
      status: "claimed",
      claimedBy: expect.objectContaining({ id: p("R-rita").id }),
    });
    expect(expectStatus(await queue(p("R-raj"), "?status=open"), 200).tickets).toEqual([]);

    const resolved = expectStatus(await resolve(p("R-raj"), ticket.id), 200);
    expect(resolved.support).toMatchObject({
      status: "resolved",
      claimedBy: p("R-rita").id,
      resolvedAt: expect.any(String),
    });
    expect(expectStatus(await resolve(p("R-raj"), ticket.id), 200).lastSeq).toBe(resolved.lastSeq);
    expect(expectStatus(await queue(p("R-raj")), 200).tickets).toEqual([]);
    expect(
      expectStatus(await queue(p("R-raj"), "?status=resolved"), 200).tickets.map((t) => t.conversationId),
    ).toEqual([ticket.id]);

    const messages = await history(p("P-pat").api, ticket.id);
    expect(messages.map((m) => m.text).filter(Boolean)).toEqual([
      "Could I have a copy of Sam's enrolment letter?",
      "Of course, it is on its way by email.",
      "Raj has sent it.",
    ]);
    expect(messages.filter((m) => m.kind === "system").map((m) => m.system)).toEqual([
      { action: "support.claimed", actorId: p("R-rita").id, userIds: [] },
      { action: "support.resolved", actorId: p("R-raj").id, userIds: [] },
    ]);
  });

  it("is reopened when the asker writes again; staff writing keeps it resolved", async () => {
    expectStatus(await send(p("R-rita").api, ticket.id, "Anything else, let us know."), 201);
    expect((await findConversation(p("P-pat").api, (c) => c.id === ticket.id))?.support?.status).toBe(
      "resolved",
    );

    expectStatus(await send(p("P-pat").api, ticket.id, "It has not arrived, sorry!"), 201);
    const reopened = (await findConversation(p("P-pat").api, (c) => c.id === ticket.id))!;
    expect(reopened.support).toMatchObject({ status: "open", claimedBy: null, resolvedAt: null });
    const last = (await history(p("R-raj").api, ticket.id)).at(-1);
    expect(last?.system).toEqual({ action: "support.reopened", actorId: p("P-pat").id, userIds: [] });
    expect(expectStatus(await queue(p("R-rita")), 200).tickets.map((t) => t.status)).toEqual(["open"]);
    // Claiming a resolved one reopens it as claimed.
    expectStatus(await resolve(p("R-rita"), ticket.id), 200);
    expect(expectStatus(await claim(p("R-raj"), ticket.id), 200).support).toMatchObject({
      status: "claimed",
      claimedBy: p("R-raj").id,
      resolvedAt: null,
    });
  });
});

describe("the desk follows the directory", () => {
  it("new staff of the desk join its open conversations; staff who leave the role leave them", async () => {
    const openOne = expectStatus(await open(p("P-pia"), "accounting", "Is the trip fee paid?"), 201);
    const resolvedOne = expectStatus(await open(p("P-pia"), "accounting", "Receipt for June?"), 201);
    expectStatus(await resolve(p("A-ana"), resolvedOne.id), 200);

    await sync(admin, { users: [{ externalId: "A-new", role: "accounting", displayName: "Ari" }] });
    const [ari] = await queryDb(server.databaseUrl, "SELECT id FROM users WHERE external_id = 'A-new'");
    expect(await memberIds(p("P-pia").api, openOne.id)).toContain(ari.id);
    expect(await memberIds(p("P-pia").api, resolvedOne.id)).not.toContain(ari.id);
    // A local account of the role, made by an admin, too.
    const local = expectStatus(
      await admin.post("/api/v1/users", {
        username: "bursar",
        password: "a long password",
        displayName: "Bursar",
        role: "accounting",
      }),
      201,
    );
    expect(await memberIds(p("P-pia").api, openOne.id)).toContain(local.id);
    // Ana moves to teaching: she leaves the open one, keeps the resolved one's history.
    await sync(admin, { users: [{ externalId: "A-ana", role: "teacher", displayName: "Ana" }] });
    expect(await memberIds(p("P-pia").api, openOne.id)).not.toContain(p("A-ana").id);
    expect(await memberIds(p("P-pia").api, resolvedOne.id)).toContain(p("A-ana").id);
    // Reopening brings in the desk as it is now.
    expectStatus(await send(p("P-pia").api, resolvedOne.id, "Still need it"), 201);
    expect(await memberIds(p("P-pia").api, resolvedOne.id)).toEqual(
      expect.arrayContaining([ari.id, local.id, p("P-pia").id]),
    );
  });
});

describe("opening rules", () => {
  it("only the school's desks; anyone may open one, a retry with the same client id lands once", async () => {
    for (const desk of ["teacher", "student", "principal", "nosuchrole"])
      expectError(await open(p("S-sam"), desk, "hello"), 403, "FORBIDDEN");
    const clientId = newClientId("support");
    const first = expectStatus(await open(p("S-sam"), "guidance", "Can I talk to someone?", clientId), 201);
    const retry = expectStatus(await open(p("S-sam"), "guidance", "Can I talk to someone?", clientId), 200);
    expect(retry.id).toBe(first.id);
    expect((await history(p("S-sam").api, first.id)).map((m) => m.text)).toEqual(["Can I talk to someone?"]);
    expect(await memberIds(p("G-gil").api, first.id)).toEqual(sorted([p("S-sam").id, p("G-gil").id]));
    // Gil sees it in the guidance queue; nothing of it reaches the registrars.
    expect(expectStatus(await queue(p("G-gil")), 200).tickets.map((t) => t.conversationId)).toContain(
      first.id,
    );
    expect(expectStatus(await queue(p("R-rita")), 200).tickets.map((t) => t.conversationId)).not.toContain(
      first.id,
    );
    expectError(await open(p("S-sam"), "guidance", "   "), 400, "VALIDATION_FAILED");
  });

  it("claiming and resolving are for support conversations only", async () => {
    const group = expectStatus(
      await p("T-tara").api.post<ConversationSummary>("/api/v1/conversations", {
        name: "Club",
        memberIds: [],
      }),
      201,
    );
    expectError(await claim(p("T-tara"), group.id), 409, "CONVERSATION_KIND_MISMATCH");
    expectError(await resolve(p("T-tara"), group.id), 409, "CONVERSATION_KIND_MISMATCH");
    expectError(await claim(p("R-rita"), group.id), 404, "CONVERSATION_NOT_FOUND");
    expectError(await claim(p("R-rita"), crypto.randomUUID()), 404, "CONVERSATION_NOT_FOUND");
  });

  it("the queue pages oldest first", async () => {
    for (const text of ["one", "two", "three"]) expectStatus(await open(p("T-tara"), "admin", text), 201);
    const first = expectStatus(await queue(admin, "?desk=admin&limit=2"), 200);
    expect(first.tickets.map((t) => t.lastMessage?.text)).toEqual(["one", "two"]);
    const rest = expectStatus(await queue(admin, `?desk=admin&limit=2&cursor=${first.nextCursor}`), 200);
    expect(rest.tickets.map((t) => t.lastMessage?.text)).toEqual(["three"]);
    expect(rest.nextCursor).toBeNull();
    expectError(await queue(admin, "?cursor=bm9wZQ"), 400, "VALIDATION_FAILED");
  });
});
