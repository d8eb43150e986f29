import { randomUUID } from "node:crypto";
import type { ConversationSummary, Message } from "@hallway/protocol";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBatch } from "../src/postgres/message-writer.ts";
import { Api, expectStatus } from "./api.ts";
import { enrol, newClientId, type SendMessageResult, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * The batched writer answers a send from what it sent and the sequence number the statement
 * gave it, without reading the row back; its statement is prepared once per connection and
 * runs on a generic plan. These tests pin down what that must not change.
 */
let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(
    server.url,
    admin,
    ["ada", "bo"].map((n) => ({ externalId: `W-${n}`, role: "teacher", displayName: n.toUpperCase() })),
  );
});
afterAll(() => server.close());

const p = (name: string) => people[`W-${name}`]!;

async function group(by: SignedIn, name: string, members: SignedIn[]): Promise<string> {
  const res = await by.api.post<ConversationSummary>("/api/v1/conversations", {
    name,
    memberIds: members.map((m) => m.id),
  });
  return expectStatus(res, 201).id;
}

function send(as: SignedIn, conversationId: string, text: string, clientId = newClientId()) {
  return as.api.post<SendMessageResult>(`/api/v1/conversations/${conversationId}/messages`, {
    clientId,
    text,
  });
}

describe("the batched writer", () => {
  it("answers a send with exactly the message that is stored (mentions and time included)", async () => {
    const id = await group(p("ada"), "Read back", [p("bo")]);
    const text = `Hello @${p("bo").session.user.username}, see page 12`;
    const { message } = expectStatus(await send(p("ada"), id, text), 201);
    expect(message.mentions).toEqual([p("bo").id]);
    const stored = expectStatus<Message>(
      await p("bo").api.get(`/api/v1/conversations/${id}/messages/${message.id}`),
      200,
    );
    expect(stored).toEqual(message);
  });

  it("a retry of a message deleted since is still the same send, not a conflict", async () => {
    const id = await group(p("ada"), "Deleted retry", [p("bo")]);
    const clientId = newClientId("deleted");
    const { message } = expectStatus(await send(p("ada"), id, "Oops, wrong room", clientId), 201);
    expectStatus(await p("ada").api.delete(`/api/v1/conversations/${id}/messages/${message.id}`), 200);
    const retry = await send(p("ada"), id, "Oops, wrong room", clientId);
    expect(retry.status).toBe(200);
    expect(retry.body.duplicate).toBe(true);
    expect(retry.body.message.id).toBe(message.id);
  });

  it("runs on a generic plan that only probes by key, whatever the tables held when it was made", async () => {
    const id = await group(p("ada"), "Plan", [p("bo")]);
    const statement = writeBatch(
      [{ conversationId: id, senderId: p("ada").id, clientId: newClientId("plan"), text: "plan" }],
      [randomUUID()],
      new Date(),
    );
    // The writer's own connection settings, on a connection of the test's.
    const client = new pg.Client({ connectionString: server.databaseUrl, options: "-c enable_seqscan=off" });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL plan_cache_mode = force_generic_plan");
      const { rows } = await client.query<{ "QUERY PLAN": string }>(
        `EXPLAIN ${statement.text}`,
        statement.values,
      );
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(plan).not.toMatch(/Seq Scan on (messages|members|conversations)\b/);
      expect(plan).not.toMatch(/Bitmap Heap Scan on (messages|members|conversations)\b/);
      expect(plan).not.toMatch(/Hash (Semi |Anti )?Join[\s\S]*on messages\b/);
    } finally {
      await client.query("ROLLBACK");
      await client.end();
    }
  });
});
