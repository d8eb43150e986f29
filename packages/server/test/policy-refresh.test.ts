import type { ConversationSummary } from "@hallway/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type DatabaseHandle, openDatabase } from "../src/postgres/database.ts";
import { Policy } from "../src/services/policy/policy.ts";
import { Api, expectStatus } from "./api.ts";
import { enrol, queryDb, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * The policy's facts (who someone is, what a conversation is and who is in it) are kept for
 * ten seconds so the send path asks without querying; those in use are loaded again in bulk
 * before they expire. Each test uses a Policy of its own on a pool whose queries it counts.
 */

let server: TestServer;
let ana: SignedIn;
let ben: SignedIn;
let science: string;
let database: DatabaseHandle;
let queries = 0;

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  const { api: admin } = await new Api(server.url).signInAdmin();
  const people = await enrol(server.url, admin, [
    { externalId: "T-ana", username: "ana.teacher", role: "teacher", displayName: "Ana López" },
    { externalId: "T-ben", username: "ben.teacher", role: "teacher", displayName: "Ben Okafor" },
  ]);
  ana = people["T-ana"]!;
  ben = people["T-ben"]!;
  science = expectStatus(
    await ana.api.post<ConversationSummary>("/api/v1/conversations", {
      name: "Science",
      memberIds: [ben.id],
    }),
    201,
  ).id;
  database = openDatabase(server.databaseUrl, 2);
  // Kysely takes a connection from the pool for every query.
  database.pool.on("acquire", () => queries++);
});
afterAll(async () => {
  await database?.close();
  await server?.close();
});
afterEach(() => vi.useRealTimers());

const newPolicy = () => new Policy(database.db, server.hallway.ctx.policy.rules);
const at = (ms: number) => vi.setSystemTime(new Date(Date.UTC(2026, 10, 22, 9) + ms));

describe("the policy's facts", () => {
  it("in use, are loaded again in bulk before they expire, so asking never waits for a query", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    at(0);
    const policy = newPolicy();
    await policy.conversation(science, ana.id);
    await policy.person(ana.id);
    const loaded = queries;
    at(6_000);
    await policy.conversation(science, ana.id);
    await policy.person(ana.id);
    expect(queries).toBe(loaded);
    await policy.refresh();
    // One query for the conversations in use, one for the people.
    expect(queries).toBe(loaded + 2);
    at(14_000); // past the first loads' ten seconds, not the refresh's
    await policy.conversation(science, ana.id);
    await policy.person(ana.id);
    expect(queries).toBe(loaded + 2);
  });

  it("not asked for since they were loaded are let go, and asked for again from the database", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    at(0);
    const policy = newPolicy();
    await policy.conversation(science, ana.id);
    const loaded = queries;
    at(11_000);
    await policy.refresh();
    expect(queries).toBe(loaded); // nothing in use: nothing to load
    await policy.conversation(science, ana.id);
    expect(queries).toBe(loaded + 1);
  });

  it("show a change made by another process after the next refresh", async () => {
    const policy = newPolicy();
    expect((await policy.conversation(science, ben.id)).facts.frozen).toBe(false);
    await policy.conversation(science, ben.id);
    await queryDb(server.databaseUrl, "UPDATE conversations SET frozen_at = now() WHERE id = $1", [science]);
    try {
      await policy.refresh();
      const before = queries;
      expect((await policy.conversation(science, ben.id)).facts.frozen).toBe(true);
      expect(queries).toBe(before);
    } finally {
      await queryDb(server.databaseUrl, "UPDATE conversations SET frozen_at = NULL WHERE id = $1", [science]);
    }
  });

  it("dropped by a change made here while a refresh reads them stay dropped", async () => {
    const policy = newPolicy();
    await policy.conversation(science, ana.id);
    await policy.conversation(science, ana.id);
    // The refresh's query is under way when the change lands here; it may have read the facts
    // from before the change, so it must not put them back.
    const refreshing = policy.refresh();
    policy.forgetConversation(science);
    await refreshing;
    const before = queries;
    await policy.conversation(science, ana.id);
    expect(queries).toBe(before + 1);
  });

  it("of a conversation that is gone are let go at the refresh", async () => {
    const policy = newPolicy();
    const gone = expectStatus(
      await ana.api.post<ConversationSummary>("/api/v1/conversations", { name: "Gone", memberIds: [ben.id] }),
      201,
    ).id;
    await policy.conversation(gone, ana.id);
    await policy.conversation(gone, ana.id);
    await queryDb(server.databaseUrl, "DELETE FROM members WHERE conversation_id = $1", [gone]);
    await queryDb(server.databaseUrl, "DELETE FROM conversations WHERE id = $1", [gone]);
    await policy.refresh();
    await expect(policy.conversation(gone, ana.id)).rejects.toMatchObject({ code: "CONVERSATION_NOT_FOUND" });
  });
});

describe("the policy's facts missing from the cache", () => {
  it("are loaded in one query for all the asks of the same moment, however many ask", async () => {
    const policy = newPolicy();
    const before = queries;
    const [conversations, people] = await Promise.all([
      Promise.all(
        Array.from({ length: 20 }, (_, i) => policy.conversation(science, i % 2 ? ana.id : ben.id)),
      ),
      Promise.all([policy.person(ana.id), policy.person(ben.id), policy.persons([ana.id, ben.id])]),
    ]);
    // One query for the conversation, one for the people: not one for each ask.
    expect(queries).toBe(before + 2);
    expect(new Set(conversations.map((c) => c.membership.role))).toEqual(new Set(["admin", "member"]));
    expect(people[1].id).toBe(ben.id);
    expect([...people[2].keys()].sort()).toEqual([ana.id, ben.id].sort());
    // And kept: asking again needs no query.
    await policy.conversation(science, ana.id);
    await policy.person(ben.id);
    expect(queries).toBe(before + 2);
  });

  it("dropped by a change made here while they load are not kept", async () => {
    const policy = newPolicy();
    const loading = policy.conversation(science, ana.id);
    policy.forgetConversation(science);
    const person = policy.person(ben.id);
    policy.forgetPeople([ben.id]);
    await Promise.all([loading, person]);
    const before = queries;
    await policy.conversation(science, ana.id);
    await policy.person(ben.id);
    expect(queries).toBe(before + 2);
  });

  it("answer each ask alone when one of them breaks the shared query", async () => {
    const policy = newPolicy();
    const [broken, unknown, known] = await Promise.allSettled([
      policy.conversation("not-a-conversation-id", ana.id),
      policy.conversation("00000000-0000-4000-8000-000000000000", ana.id),
      policy.conversation(science, ana.id),
    ]);
    expect(broken.status).toBe("rejected");
    expect(unknown).toMatchObject({ status: "rejected", reason: { code: "CONVERSATION_NOT_FOUND" } });
    expect(known).toMatchObject({ status: "fulfilled", value: { facts: { kind: "group" } } });
  });
});
