import { HallwayClient, type HallwayClientError } from "@hallway/client";
import type { ConversationSummary } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { WordFilterCache } from "../src/services/moderation/word-filter-cache.ts";
import { Api, expectStatus } from "./api.ts";
import { enrol, expectError, newClientId, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * What moderation keeps in memory for the send path. The per-user send limit
 * (MESSAGE_RATE_LIMIT in MESSAGE_RATE_WINDOW_SECONDS) counts a user's sends over every device
 * and REST together, and refuses the rest with RATE_LIMITED and how long to wait. The word
 * filter is cached: changes apply at once in the process that made them, and reach other
 * processes on the same database within a few seconds.
 */

let server: TestServer;
let people: Record<string, SignedIn>;
let group: string;

beforeAll(async () => {
  server = await startTestServer({
    HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET,
    MESSAGE_RATE_LIMIT: "5",
    MESSAGE_RATE_WINDOW_SECONDS: "60",
    SEARCH_RATE_LIMIT: "4",
  });
  const { api: admin } = await new Api(server.url).signInAdmin();
  people = await enrol(server.url, admin, [
    { externalId: "rivera", role: "teacher", displayName: "Ms Rivera" },
    { externalId: "sam", role: "student", displayName: "Sam" },
  ]);
  group = expectStatus(
    await people.rivera!.api.post<ConversationSummary>("/api/v1/conversations", {
      name: "Limits",
      memberIds: [people.sam!.id],
    }),
    201,
  ).id;
});
afterAll(() => server.close());

async function device(person: SignedIn): Promise<HallwayClient> {
  const client = new HallwayClient({ baseUrl: server.url, WebSocket: WebSocket as never });
  client.useSession(person.session);
  await client.connect();
  return client;
}

const rest = (person: SignedIn, text: string) =>
  person.api.post(`/api/v1/conversations/${group}/messages`, { clientId: newClientId(), text });
const ws = (client: HallwayClient, text: string) =>
  client.request("message.send", { conversationId: group, clientId: newClientId(), text });

describe("the per-user send limit", () => {
  it("counts REST and every device together, and says when to try again", async () => {
    const sam = people.sam!;
    const [phone, laptop] = await Promise.all([device(sam), device(sam)]);
    try {
      expect((await rest(sam, "1")).status).toBe(201);
      expect((await rest(sam, "2")).status).toBe(201);
      await ws(phone, "3");
      await ws(laptop, "4");
      await ws(phone, "5");
      const refused = await ws(laptop, "6").then(
        () => null,
        (error: unknown) => error as HallwayClientError,
      );
      expect(refused?.code).toBe("RATE_LIMITED");
      const wait = (refused!.details as { retryAfterSeconds: number }).retryAfterSeconds;
      expect(wait).toBeGreaterThan(50);
      expect(wait).toBeLessThanOrEqual(60);
      const overRest = await rest(sam, "7");
      expectError(overRest, 429, "RATE_LIMITED");
      expect(Number(overRest.headers.get("retry-after"))).toBeGreaterThan(50);
      expect(overRest.body.error.details.retryAfterSeconds).toBe(Number(overRest.headers.get("retry-after")));
      expect(overRest.body.error.message).toMatch(/too fast/);
      // Someone else is not held back by Sam.
      expect((await rest(people.rivera!, "all fine here")).status).toBe(201);
      // Nothing refused was stored.
      const history = expectStatus<{ messages: { text: string }[] }>(
        await sam.api.get(`/api/v1/conversations/${group}/messages?after=0`),
        200,
      );
      expect(history.messages.map((m) => m.text).filter((t) => /^\d$/.test(t))).toEqual([
        "1",
        "2",
        "3",
        "4",
        "5",
      ]);
    } finally {
      phone.disconnect();
      laptop.disconnect();
    }
  });
});

describe("the word filter cache", () => {
  it("another process's change arrives after the refresh interval, without holding up a send", async () => {
    const { api: admin } = await new Api(server.url).signInAdmin();
    // Another process's view of the same database, refreshing every 50 ms instead of 10 s.
    const elsewhere = new WordFilterCache(server.hallway.ctx.db, undefined, 50);
    expect((await elsewhere.get()).screen("oh drat").verdict).toBe("accept");
    expectStatus(
      await admin.post("/api/v1/moderation/word-filters", { pattern: "drat", action: "reject" }),
      201,
    );
    // This process applies it at once…
    expectError(await rest(people.rivera!, "oh drat"), 422, "MESSAGE_REJECTED");
    // …the other one within its interval: a stale list serves while the new one loads.
    await expect.poll(async () => (await elsewhere.get()).screen("oh drat").verdict).toBe("reject");
  });
});

describe("the per-user search limit", () => {
  it("counts REST and WebSocket searches together, refuses the rest with a retry-after, and is per user", async () => {
    const search = (person: SignedIn) => person.api.get("/api/v1/search/messages?q=homework");
    const ws = await device(people.sam!);
    try {
      expectStatus(await search(people.sam!), 200);
      expectStatus(await search(people.sam!), 200);
      await ws.request("search.messages", { q: "homework" });
      expectStatus(await search(people.sam!), 200);
      const refused = await search(people.sam!);
      expectError(refused, 429, "RATE_LIMITED");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      await expect(ws.request("search.messages", { q: "homework" })).rejects.toMatchObject({
        code: "RATE_LIMITED",
      } satisfies Partial<HallwayClientError>);
      // Someone else searching is not held up by Sam.
      expectStatus(await search(people.rivera!), 200);
    } finally {
      ws.disconnect();
    }
  });
});
