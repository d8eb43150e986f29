import type { Message } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import { connectClient, createGroup, latestAudit, openDirect } from "./compliance-helpers.ts";
import { enrol, expectError, newClientId, queryDb, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * Retention: a school keeps messages N days; a daily job deletes older ones with their log
 * events, except in conversations on legal hold, and records each run in the audit log.
 * Clients that resume from a position inside the deleted part still get everything that is left.
 */

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(server.url, admin, [
    { externalId: "R-tom", role: "teacher", displayName: "Tom" },
    { externalId: "R-sol", role: "student", displayName: "Sol" },
    { externalId: "R-uma", role: "student", displayName: "Uma" },
  ]);
});
afterAll(() => server.close());

const p = (name: string) => people[`R-${name}`]!;

async function say(who: SignedIn, conversationId: string, text: string): Promise<Message> {
  return expectStatus(
    await who.api.post(`/api/v1/conversations/${conversationId}/messages`, { clientId: newClientId(), text }),
    201,
  ).message;
}

/** Makes a conversation's messages and log events up to `seq` look `days` old. */
async function age(conversationId: string, uptoSeq: number, days: number) {
  await queryDb(
    server.databaseUrl,
    `UPDATE messages SET created_at = now() - make_interval(days => $3) WHERE conversation_id = $1 AND seq <= $2`,
    [conversationId, uptoSeq, days],
  );
  await queryDb(
    server.databaseUrl,
    `UPDATE events SET created_at = now() - make_interval(days => $3) WHERE conversation_id = $1 AND seq <= $2`,
    [conversationId, uptoSeq, days],
  );
}

async function stored(conversationId: string): Promise<{ messages: number[]; events: number[] }> {
  const messages = await queryDb(
    server.databaseUrl,
    "SELECT seq FROM messages WHERE conversation_id = $1 ORDER BY seq",
    [conversationId],
  );
  const events = await queryDb(
    server.databaseUrl,
    "SELECT seq FROM events WHERE conversation_id = $1 ORDER BY seq",
    [conversationId],
  );
  return { messages: messages.map((r) => Number(r.seq)), events: events.map((r) => Number(r.seq)) };
}

describe("the retention rule and legal hold", () => {
  it("admins set and read the rule; others are refused; bad values are refused", async () => {
    expect(expectStatus(await admin.get("/api/v1/settings/retention"), 200)).toEqual({
      days: null,
      updatedAt: null,
      updatedBy: null,
      legalHolds: [],
    });
    for (const who of [p("tom"), p("sol")]) {
      expectError(await who.api.get("/api/v1/settings/retention"), 403, "FORBIDDEN");
      expectError(await who.api.put("/api/v1/settings/retention", { days: 1 }), 403, "FORBIDDEN");
    }
    for (const days of [0, -1, 36_501, 1.5, "30"])
      expectError(await admin.put("/api/v1/settings/retention", { days }), 400, "VALIDATION_FAILED");
    expectError(await admin.put("/api/v1/settings/retention", {}), 400, "VALIDATION_FAILED");
  });

  it("only admins put conversations on legal hold", async () => {
    const direct = await openDirect(p("tom"), p("sol"));
    expectError(
      await p("tom").api.put(`/api/v1/conversations/${direct.id}/legal-hold`, { hold: true }),
      403,
      "FORBIDDEN",
    );
    expectError(
      await p("uma").api.put(`/api/v1/conversations/${direct.id}/legal-hold`, { hold: true }),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expectError(
      await admin.put("/api/v1/conversations/6f1c1b0e-3a52-4a8e-9d59-0c6a3b7e2f10/legal-hold", {
        hold: true,
      }),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    const [row] = await queryDb(server.databaseUrl, "SELECT legal_hold FROM conversations WHERE id = $1", [
      direct.id,
    ]);
    expect(row.legal_hold).toBe(false);
  });
});

describe("the retention job", () => {
  it("without a rule, deletes nothing and records no run", async () => {
    const group = await createGroup(p("tom"), "Ancient history", [p("sol")]);
    await say(p("tom"), group.id, "very old news");
    await age(group.id, 2, 4000);
    await server.hallway.jobs!.runNow("retention.apply");
    expect((await stored(group.id)).messages).toEqual([1, 2]);
    expect(await latestAudit(admin, { action: "retention.applied" })).toEqual([]);
    // Leave no old messages behind for the next test's counts.
    await queryDb(server.databaseUrl, "UPDATE conversations SET legal_hold = true WHERE id = $1", [group.id]);
  });

  it("deletes messages and events older than the rule, except on legal hold; resuming clients get what is left", async () => {
    // A group whose first messages are 40 days old; a direct conversation, all old, on hold.
    const group = await createGroup(p("tom"), "Form 9C", [p("sol"), p("uma")]);
    for (const text of ["old 1", "old 2", "old 3", "new 1", "new 2", "new 3"])
      await say(p("tom"), group.id, text);
    await age(group.id, 4, 40); // the creation notice and old 1–3
    // An old logged change (as a deletion would leave) at the end of the log.
    await queryDb(
      server.databaseUrl,
      `WITH next AS (UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq)
       INSERT INTO events (conversation_id, seq, type, payload, created_at)
       SELECT $1, last_seq, 'message.deleted', '{}'::jsonb, now() - interval '40 days' FROM next`,
      [group.id],
    );
    const held = await openDirect(p("tom"), p("uma"));
    await say(p("uma"), held.id, "kept for the investigation");
    await age(held.id, 10, 400);
    expectStatus(await admin.put(`/api/v1/conversations/${held.id}/legal-hold`, { hold: true }), 200);
    const before = await stored(group.id);
    expect(before.messages).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const settings = expectStatus(await admin.put("/api/v1/settings/retention", { days: 30 }), 200);
    expect(settings.days).toBe(30);
    expect(settings.legalHolds.map((h: { conversationId: string }) => h.conversationId)).toContain(held.id);

    await server.hallway.jobs!.runNow("retention.apply");

    expect(await stored(group.id)).toEqual({ messages: [5, 6, 7], events: [] });
    expect((await stored(held.id)).messages).toEqual([1]);
    const [run] = await latestAudit(admin, { action: "retention.applied" });
    expect(run).toMatchObject({
      actor: { kind: "system", id: null },
      details: { days: 30, messagesDeleted: 4, eventsDeleted: 1, conversationsOnHold: 2, interrupted: false },
    });

    // History starts where the kept messages start.
    const history = expectStatus(
      await p("sol").api.get(`/api/v1/conversations/${group.id}/messages?after=0`),
      200,
    );
    expect(history.messages.map((m: Message) => m.text)).toEqual(["new 1", "new 2", "new 3"]);

    // A device that last saw seq 1 (now deleted) resumes: it gets the rest, in order, once.
    const resumed = await connectResumeCollect(p("sol"), group.id, 1);
    expect(resumed.seqs).toEqual([5, 6, 7]);
    expect(resumed.position).toBe(8);
    // And live messages still flow after the gap.
    const live = await connectResumeCollect(p("uma"), group.id, 8, () =>
      say(p("tom"), group.id, "after retention"),
    );
    expect(live.seqs).toEqual([9]);
  });

  it("a thread whose old parent goes keeps its newer replies, as messages of their own", async () => {
    const group = await createGroup(p("tom"), "Form 9D", [p("sol")]);
    const parent = await say(p("tom"), group.id, "old question");
    await age(group.id, parent.seq, 40);
    const reply = expectStatus(
      await p("sol").api.post(`/api/v1/conversations/${group.id}/messages`, {
        clientId: newClientId(),
        text: "recent answer",
        parentId: parent.id,
      }),
      201,
    ).message;
    await server.hallway.jobs!.runNow("retention.apply");
    const history = expectStatus(
      await p("sol").api.get(`/api/v1/conversations/${group.id}/messages?after=0`),
      200,
    );
    expect(history.messages.map((m: Message) => [m.id, m.parentId])).toEqual([[reply.id, null]]);
  });

  it("the rule's changes and legal holds are in the audit log", async () => {
    const changes = await latestAudit(admin, { action: "retention.changed" });
    expect(changes[0]).toMatchObject({ details: { from: null, to: 30 }, targetType: "settings" });
    const holds = await latestAudit(admin, { action: "conversation.legal_hold_set" });
    expect(holds.length).toBe(1);
    const conversationId = holds[0]!.targetId!;
    expectStatus(await admin.put(`/api/v1/conversations/${conversationId}/legal-hold`, { hold: false }), 200);
    expectStatus(await admin.put(`/api/v1/conversations/${conversationId}/legal-hold`, { hold: false }), 200);
    const released = await latestAudit(admin, { action: "conversation.legal_hold_released" });
    expect(released.map((e) => e.targetId)).toEqual([conversationId]);
  });
});

/**
 * Connects as `who`, having last seen `position` in one conversation, and collects the seqs of
 * the events replayed on resume (and of live ones caused by `then`).
 */
async function connectResumeCollect(
  who: SignedIn,
  conversationId: string,
  position: number,
  then?: () => Promise<unknown>,
): Promise<{ seqs: number[]; position: number | undefined }> {
  const seqs: number[] = [];
  let arrived: () => void = () => {};
  const client = await connectClient(server.url, who.session, { [conversationId]: position }, (c) =>
    c.on("message.created", (m) => {
      if (m.conversationId !== conversationId) return;
      seqs.push(m.seq);
      arrived();
    }),
  );
  try {
    if (then) {
      const live = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      await then();
      await live;
    }
    return { seqs, position: client.position(conversationId) };
  } finally {
    client.disconnect();
  }
}
