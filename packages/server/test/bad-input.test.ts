import { randomUUID } from "node:crypto";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { ConversationSummary } from "@hallway/protocol";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import {
  type ConversationList,
  enrol,
  expectError,
  expectErrorBody,
  expectStatusOf,
  newClientId,
  nextLoopbackAddress,
  queryDb,
  type RawResponse,
  rawRequest,
  SERVICE_TOKEN,
  signInTrusted,
  TRUSTED_SECRET,
  trustedToken,
} from "./fixtures.ts";
import { startTestServer } from "./harness.ts";

/**
 * The error model, endpoint by endpoint. The endpoints come from the server's own OpenAPI
 * document, so a new one is covered the day it is added. Whatever a caller sends, the answer is
 * never a 5xx, always `{error: {code, message}}` with a catalogue code and its status, and never
 * a word of a conversation the caller is not in.
 *
 * Every request is a real one over TCP, from a rotating loopback address (sign-in endpoints are
 * rate limited per address; the limit itself is tested in auth.test.ts).
 */

// ---------------------------------------------------------------------------------------------
// The school: Eve fuzzes; Fay shares a group with her; Cat and Dan share things Eve must not see.

const server = await startTestServer({
  HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET,
  HALLWAY_SERVICE_TOKEN: SERVICE_TOKEN,
});
afterAll(() => server.close());

const { api: admin } = await new Api(server.url).signInAdmin();
const people = await enrol(server.url, admin, [
  { externalId: "B-eve", role: "teacher", displayName: "Eve" },
  { externalId: "B-fay", role: "student", displayName: "Fay" },
  { externalId: "B-cat", role: "teacher", displayName: "Cat" },
  { externalId: "B-dan", role: "teacher", displayName: "Dan" },
  { externalId: "B-spare", role: "student", displayName: "Spare" },
]);
const eve = people["B-eve"]!;
const fay = people["B-fay"]!;
const cat = people["B-cat"]!;
const dan = people["B-dan"]!;

const SECRET_TEXT = `secret-${randomUUID()}`;
const SECRET_GROUP = `Hidden ${randomUUID().slice(0, 8)}`;

const eveGroup = expectStatus<ConversationSummary>(
  await eve.api.post("/api/v1/conversations", { name: "Eve's group", memberIds: [fay.id] }),
  201,
);
const eveMessage = expectStatus(
  await eve.api.post(`/api/v1/conversations/${eveGroup.id}/messages`, {
    clientId: newClientId(),
    text: "hi",
  }),
  201,
).message;
const theirDirect = expectStatus<ConversationSummary>(
  await cat.api.post("/api/v1/conversations/direct", { userId: dan.id }),
  201,
);
const theirMessage = expectStatus(
  await cat.api.post(`/api/v1/conversations/${theirDirect.id}/messages`, {
    clientId: newClientId(),
    text: SECRET_TEXT,
  }),
  201,
).message;
const theirGroup = expectStatus<ConversationSummary>(
  await cat.api.post("/api/v1/conversations", { name: SECRET_GROUP, memberIds: [dan.id] }),
  201,
);
expectStatus(
  await dan.api.post(`/api/v1/conversations/${theirGroup.id}/messages`, {
    clientId: newClientId(),
    text: `${SECRET_TEXT} in the group`,
  }),
  201,
);
const primaryId = expectStatus<ConversationList>(
  await eve.api.get("/api/v1/conversations"),
  200,
).conversations.find((c) => c.kind === "primary")!.id;

// ---------------------------------------------------------------------------------------------
// The endpoints, from the OpenAPI document.

interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minLength?: number;
  minimum?: number;
  anyOf?: JsonSchema[];
  nullable?: boolean;
}

interface Operation {
  method: string;
  /** OpenAPI path, e.g. /api/v1/conversations/{conversationId}/messages */
  template: string;
  name: string;
  pathParams: string[];
  queryParams: string[];
  body?: JsonSchema;
  /** The endpoint reads a multipart/form-data body (a file upload) instead of JSON. */
  multipart: boolean;
  secured: boolean;
}

const openapi = expectStatusOf<any>(await rawRequest(server.url, { method: "GET", path: "/docs/json" }), 200);
const operations: Operation[] = [];
for (const [template, methods] of Object.entries<Record<string, any>>(openapi.paths)) {
  for (const [method, op] of Object.entries<any>(methods)) {
    const parameters: { in: string; name: string }[] = op.parameters ?? [];
    operations.push({
      method: method.toUpperCase(),
      template,
      name: `${method.toUpperCase()} ${template}`,
      pathParams: parameters.filter((p) => p.in === "path").map((p) => p.name),
      queryParams: parameters.filter((p) => p.in === "query").map((p) => p.name),
      body: op.requestBody?.content?.["application/json"]?.schema,
      multipart: op.requestBody?.content?.["multipart/form-data"] !== undefined,
      secured: Array.isArray(op.security) && op.security.length > 0,
    });
  }
}

/** Ids that name real things Eve may touch, chosen so no request can change what later ones see. */
function idsFor(op: Operation): Record<string, string> {
  const ids: Record<string, string> = {
    conversationId: eveGroup.id,
    messageId: eveMessage.id,
    userId: fay.id,
    emoji: "👍", // the one path parameter that is not an id (reactions)
  };
  if (op.template.endsWith("/leave")) ids.conversationId = primaryId; // refused: never actually leaves
  if (op.method === "DELETE") ids.userId = randomUUID(); // nobody to remove
  return ids;
}

/** The ids of a conversation between two other people, and of a message in it. */
function theirIds(): Record<string, string> {
  return { conversationId: theirDirect.id, messageId: theirMessage.id, userId: cat.id, emoji: "👍" };
}

/** The same, with ids that name nothing. */
function randomIds(): Record<string, string> {
  return { conversationId: randomUUID(), messageId: randomUUID(), userId: randomUUID(), emoji: "👍" };
}

function fillPath(op: Operation, ids: Record<string, string>): string {
  return op.template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(ids[name] ?? randomUUID()),
  );
}

/** The schema of the value at a path into a body (object properties only). */
function schemaAt(schema: JsonSchema | undefined, path: (string | number)[]): JsonSchema | undefined {
  return path.reduce<JsonSchema | undefined>(
    (at, key) => (typeof key === "string" ? at?.properties?.[key] : at?.items),
    schema,
  );
}

/** Whether a schema takes null: `nullable` (OpenAPI 3.0) or a null branch. */
function isNullable(schema: JsonSchema | undefined): boolean {
  return Boolean(schema?.nullable || schema?.anyOf?.some((s) => s.type === "null"));
}

/** A plausible value for a schema: the baseline that one field at a time is then broken from. */
function sample(schema: JsonSchema | undefined): unknown {
  if (!schema) return {};
  if (schema.anyOf) return sample(schema.anyOf[0]);
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object":
      return Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .filter(([key]) => schema.required?.includes(key))
          .map(([key, value]) => [key, sample(value)]),
      );
    case "array":
      return [];
    case "integer":
    case "number":
      return Math.max(1, schema.minimum ?? 1);
    case "boolean":
      return true;
    case "string":
      if (schema.format === "uuid") return randomUUID();
      if (schema.format === "email") return "someone@school.example";
      if (schema.format === "uri") return "https://school.example/a.png";
      return "x".repeat(Math.max(8, schema.minLength ?? 1));
    default:
      return null;
  }
}

/** A valid body for each endpoint Eve can call without changing what the other tests rely on. */
function validBody(op: Operation): unknown {
  switch (op.name) {
    case "POST /api/v1/auth/sign-in":
      return { username: "nobody-at-all", password: "not-a-password" };
    case "POST /api/v1/auth/trusted":
      return { token: "not-a-jwt" };
    case "POST /api/v1/auth/refresh":
      return { refreshToken: "hwr_not-a-token" };
    case "POST /api/v1/users":
      return {
        username: "fuzzed-user",
        password: "long-enough-password",
        displayName: "Fuzz",
        role: "teacher",
        email: "fuzz@school.example",
        avatarUrl: "https://school.example/fuzz.png",
      };
    case "POST /api/v1/directory/sync":
      return {
        users: [
          {
            externalId: "FZ-1",
            role: "student",
            displayName: "Fuzz One",
            email: "fuzz.one@school.example",
            username: "fuzz.one",
            avatarUrl: "https://school.example/fz1.png",
            active: true,
          },
        ],
        sections: [{ externalId: "FZ-S", name: "Fuzz section", teacherIds: [], studentIds: ["FZ-1"] }],
        guardians: [{ parentId: "FZ-P", studentIds: ["FZ-1"] }],
      };
    case "POST /api/v1/conversations":
      return { name: "Fuzz group", memberIds: [fay.id] };
    case "POST /api/v1/conversations/direct":
      return { userId: fay.id };
    case "PATCH /api/v1/conversations/{conversationId}/settings":
      return { muted: false };
    case "POST /api/v1/conversations/{conversationId}/members":
      return { userIds: [fay.id] };
    case "PUT /api/v1/conversations/{conversationId}/members/{userId}/role":
      return { role: "member" };
    case "POST /api/v1/conversations/{conversationId}/messages":
      return { clientId: newClientId("fz"), text: "fuzz" };
    default:
      return sample(op.body);
  }
}

// ---------------------------------------------------------------------------------------------
// Requests, and what every answer must look like.

const bodies: string[] = [];
let requestCount = 0;

/** Sign-out ends the session it is sent with: each sign-out request gets a fresh one of its own. */
const spareToken = await trustedToken({ sub: "B-spare", role: "student" });
async function tokenFor(op: Operation): Promise<string> {
  if (op.template !== "/api/v1/auth/sign-out") return eve.session.accessToken;
  return (await signInTrusted(server.url, spareToken)).session.accessToken;
}

interface Call {
  path?: string;
  query?: string;
  /** Raw body bytes; JSON-encoded when not a string or Buffer. */
  body?: unknown;
  contentType?: string | null;
  /** null: no Authorization header; undefined: Eve's (or a disposable) session. */
  token?: string | null;
  headers?: Record<string, string>;
}

async function call(op: Operation, c: Call = {}): Promise<RawResponse> {
  const token = c.token === undefined ? await tokenFor(op) : c.token;
  const headers: Record<string, string> = { ...c.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined;
  if (c.body !== undefined) {
    body = typeof c.body === "string" || Buffer.isBuffer(c.body) ? c.body : JSON.stringify(c.body);
    if (c.contentType !== null) headers["content-type"] = c.contentType ?? "application/json";
  }
  const path = (c.path ?? fillPath(op, idsFor(op))) + (c.query ? `?${c.query}` : "");
  const res = await rawRequest(server.url, {
    method: op.method,
    path,
    headers,
    body,
    localAddress: nextLoopbackAddress(),
  });
  requestCount++;
  bodies.push(res.text);
  return res;
}

/** Never a 5xx; an error is the one body shape with a catalogue code and its status. */
function expectSane(res: RawResponse, label: string): void {
  expect(res.status, `${label}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    try {
      expectErrorBody(res);
    } catch (error) {
      throw new Error(`${label}: ${res.status} ${res.text.slice(0, 300)}\n${error}`);
    }
  }
}

/** Sane, and a caller error with one of the given codes. */
function expectRefused(res: RawResponse, label: string, ...codes: string[]): void {
  expectSane(res, label);
  expect(codes, `${label}: got ${res.status} ${res.text.slice(0, 300)}`).toContain(res.body?.error?.code);
}

/** "METHOD /path/{param}" for every route in Fastify's printRoutes() tree (HEAD left out). */
function routesOf(tree: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join("").replace(/:(\w+)/g, "{$1}");
    for (const method of (match[3] ?? "").split(", ").filter((m) => m && m !== "HEAD"))
      out.push(`${method} ${path}`);
  }
  return out;
}

const withPathIds = operations.filter((op) => op.pathParams.length > 0);

// ---------------------------------------------------------------------------------------------

describe("the endpoint list", () => {
  it("covers every REST endpoint the server has", () => {
    const names = operations.map((op) => op.name);
    for (const known of [
      "POST /api/v1/auth/sign-in",
      "POST /api/v1/auth/trusted",
      "POST /api/v1/auth/refresh",
      "POST /api/v1/auth/sign-out",
      "GET /api/v1/me",
      "POST /api/v1/users",
      "GET /api/v1/users",
      "GET /api/v1/users/{userId}",
      "POST /api/v1/directory/sync",
      "GET /api/v1/conversations",
      "POST /api/v1/conversations",
      "POST /api/v1/conversations/direct",
      "GET /api/v1/conversations/{conversationId}",
      "PATCH /api/v1/conversations/{conversationId}/settings",
      "GET /api/v1/conversations/{conversationId}/members",
      "POST /api/v1/conversations/{conversationId}/members",
      "DELETE /api/v1/conversations/{conversationId}/members/{userId}",
      "PUT /api/v1/conversations/{conversationId}/members/{userId}/role",
      "POST /api/v1/conversations/{conversationId}/leave",
      "POST /api/v1/conversations/{conversationId}/messages",
      "GET /api/v1/conversations/{conversationId}/messages",
      "GET /api/v1/conversations/{conversationId}/messages/{messageId}",
    ])
      expect(names).toContain(known);
    // Every route Fastify serves under /api is in the document: nothing is hidden from this test.
    const served = routesOf(server.hallway.app.printRoutes({ commonPrefix: false })).filter((r) =>
      r.split(" ")[1]!.startsWith("/api/"),
    );
    expect(served.length).toBeGreaterThanOrEqual(22);
    expect([...served].sort()).toEqual([...names].sort());
  });
});

describe.each(operations.map((op) => [op.name, op] as const))("%s", (_name, op) => {
  const bodyOps = op.body !== undefined;

  it("answers malformed, empty, oddly typed and oversize bodies with a catalogue error", async () => {
    const cases: [string, Call, string[]][] = [
      ["malformed JSON", { body: '{"a":' }, ["MALFORMED_JSON"]],
      ["truncated JSON", { body: `${JSON.stringify(validBody(op)).slice(0, -1)}` }, ["MALFORMED_JSON"]],
      ["empty body", { body: "" }, ["MALFORMED_JSON", "VALIDATION_FAILED"]],
      ["trailing garbage", { body: `${JSON.stringify(validBody(op))}xyz` }, ["MALFORMED_JSON"]],
      [
        "prototype pollution",
        { body: '{"__proto__":{"admin":true}}' },
        ["MALFORMED_JSON", "VALIDATION_FAILED"],
      ],
      [
        "constructor pollution",
        { body: '{"constructor":{"prototype":{"admin":true}}}' },
        ["MALFORMED_JSON", "VALIDATION_FAILED"],
      ],
      [
        "deep nesting",
        { body: `${"[".repeat(50_000)}${"]".repeat(50_000)}` },
        ["MALFORMED_JSON", "VALIDATION_FAILED", "PAYLOAD_TOO_LARGE"],
      ],
      ["a lone surrogate", { body: '{"x":"\\ud800"}' }, ["MALFORMED_JSON", "VALIDATION_FAILED"]],
      ["a huge number", { body: '{"x":1e400}' }, ["VALIDATION_FAILED"]],
      [
        "invalid UTF-8",
        { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
        ["MALFORMED_JSON", "VALIDATION_FAILED"],
      ],
      [
        "text/plain",
        { body: "hello", contentType: "text/plain" },
        ["VALIDATION_FAILED", "UNSUPPORTED_MEDIA_TYPE"],
      ],
      [
        "form encoded",
        { body: "a=b", contentType: "application/x-www-form-urlencoded" },
        ["UNSUPPORTED_MEDIA_TYPE"],
      ],
      ["XML", { body: "<a/>", contentType: "application/xml" }, ["UNSUPPORTED_MEDIA_TYPE"]],
      [
        "multipart",
        { body: "--x\r\n\r\nhi\r\n--x--", contentType: "multipart/form-data; boundary=x" },
        ["UNSUPPORTED_MEDIA_TYPE"],
      ],
      [
        "no content type",
        { body: JSON.stringify(validBody(op)), contentType: null },
        ["UNSUPPORTED_MEDIA_TYPE", "VALIDATION_FAILED"],
      ],
      ["JSON with a charset", { body: validBody(op), contentType: "application/json; charset=utf-8" }, []],
      ...(["null", "[]", '"text"', "42", "true"] as const).map(
        (json) => [`the JSON ${json}`, { body: json }, ["VALIDATION_FAILED"]] as [string, Call, string[]],
      ),
      // An empty object is valid where every field is optional.
      ["the JSON {}", { body: "{}" }, op.body?.required?.length ? ["VALIDATION_FAILED"] : []],
    ];
    for (const [label, c, codes] of cases) {
      const res = await call(op, c);
      expectSane(res, `${op.name} ${label}`);
      // Endpoints without a body ignore what is sent (or only fail to parse it); with a body, the
      // listed codes are the only acceptable refusals.
      if (bodyOps && codes.length > 0) expectRefused(res, `${op.name} ${label}`, ...codes);
    }
  });

  if (bodyOps)
    it("refuses an oversize body with PAYLOAD_TOO_LARGE", async () => {
      const twoMb = { pad: "x".repeat(2 * 1024 * 1024) };
      const res = await call(op, { body: twoMb });
      if (op.template === "/api/v1/directory/sync")
        expectRefused(res, `${op.name} 2 MB`, "VALIDATION_FAILED");
      else expectRefused(res, `${op.name} 2 MB`, "PAYLOAD_TOO_LARGE");
    });

  if (bodyOps)
    it("refuses each field with a wrong type, and unknown fields", async () => {
      const base = validBody(op) as Record<string, unknown>;
      const wrongValues: unknown[] = [
        123,
        -1,
        1.5,
        "text",
        "",
        "nul\u0000byte",
        "\u202eright-to-left",
        true,
        false,
        null,
        [],
        [1, "a"],
        {},
        { nested: { deep: 1 } },
      ];
      const jsonType = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
      // Every path into the body, to depth 3: users, users.0, users.0.role…
      const paths: (string | number)[][] = [];
      const walk = (value: unknown, path: (string | number)[]) => {
        if (path.length > 0) paths.push(path);
        if (path.length >= 3 || value === null || typeof value !== "object") return;
        for (const [k, v] of Object.entries(value)) walk(v, [...path, Array.isArray(value) ? Number(k) : k]);
      };
      walk(base, []);
      const setAt = (root: unknown, path: (string | number)[], value: unknown) => {
        const copy = structuredClone(root) as any;
        let at = copy;
        for (const key of path.slice(0, -1)) at = at[key];
        at[path.at(-1)!] = value;
        return copy;
      };
      const getAt = (root: unknown, path: (string | number)[]) =>
        path.reduce<any>((at, key) => at?.[key], root);

      for (const path of paths) {
        for (const value of wrongValues) {
          const label = `${op.name} ${path.join(".")}=${JSON.stringify(value)}`;
          const res = await call(op, { body: setAt(validBody(op), path, value) });
          // null is no wrong type where the schema takes it (`days: number | null`).
          const allowedNull = value === null && isNullable(schemaAt(op.body, path));
          if (jsonType(value) !== jsonType(getAt(base, path)) && !allowedNull)
            expectRefused(res, label, "VALIDATION_FAILED");
          else expectSane(res, label);
        }
      }
      // Unknown fields, at the top and inside nested objects.
      for (const path of [[], ...paths]) {
        const target = path.length === 0 ? base : getAt(base, path);
        if (target === null || typeof target !== "object" || Array.isArray(target)) continue;
        const body =
          path.length === 0
            ? { ...(validBody(op) as object), unexpected: 1 }
            : setAt(validBody(op), path, { ...target, unexpected: 1 });
        expectRefused(
          await call(op, { body }),
          `${op.name} unknown field at ${path.join(".") || "top"}`,
          "VALIDATION_FAILED",
        );
      }
    });

  if (op.queryParams.length > 0)
    it("refuses bad query parameters", async () => {
      const values = [
        "",
        "abc",
        "-1",
        "0",
        "1e9",
        "1.5",
        "%00",
        "%E2%80%AE",
        encodeURIComponent("x".repeat(300)),
        "null",
        "[]",
      ];
      for (const name of op.queryParams) {
        for (const value of values)
          expectSane(await call(op, { query: `${name}=${value}` }), `${op.name} ?${name}=${value}`);
        expectSane(await call(op, { query: `${name}=1&${name}=2` }), `${op.name} ?${name} twice`);
      }
      expectRefused(await call(op, { query: "unexpected=1" }), `${op.name} ?unexpected`, "VALIDATION_FAILED");
    });

  if (op.pathParams.length > 0)
    it("refuses path ids that are not UUIDs, and answers NOT_FOUND for unknown ones", async () => {
      const notIds = [
        "abc",
        "1",
        "-1",
        "null",
        "00000000-0000-0000-0000-00000000000g",
        "6f1c1b0e3a524a8e9d590c6a3b7e2f10",
        "{6f1c1b0e-3a52-4a8e-9d59-0c6a3b7e2f10}",
        "' OR 1=1 --",
        "%00",
        "\u202e",
        "x".repeat(90),
      ];
      for (const name of op.pathParams) {
        for (const bad of notIds) {
          const ids = { ...idsFor(op), [name]: bad };
          const path = op.template.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(ids[n]!));
          expectRefused(
            await call(op, { path, body: bodyOps ? validBody(op) : undefined }),
            `${op.name} ${name}=${bad}`,
            "VALIDATION_FAILED",
          );
        }
        if (name === "emoji") continue; // not an id: nothing to find (reactions.test.ts tests it)
        const ids = { ...idsFor(op), [name]: randomUUID() };
        const res = await call(op, { path: fillPath(op, ids), body: bodyOps ? validBody(op) : undefined });
        expectSane(res, `${op.name} random ${name}`);
        expect(res.status, `${op.name} random ${name}: ${res.text}`).toBe(404);
        expect(res.body.error.code).toMatch(/_NOT_FOUND$/);
      }
    });

  it(`survives random bodies, queries and path ids (fast-check, fixed seed)`, async () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const base = validBody(op);
    const baseKeys = base && typeof base === "object" && !Array.isArray(base) ? Object.keys(base) : [];
    const nearValid = fc.record(
      Object.fromEntries(
        baseKeys.map((k) => [
          k,
          fc.oneof(
            { weight: 2, arbitrary: fc.constant((base as Record<string, unknown>)[k]) },
            { weight: 1, arbitrary: json },
          ),
        ]),
      ),
      { requiredKeys: [] },
    );
    const bodyArb = fc.oneof(
      json,
      nearValid,
      fc.dictionary(fc.string({ maxLength: 12 }), json, { maxKeys: 4 }),
    );
    const queryArb = fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...op.queryParams, "x"), fc.string({ maxLength: 6 })),
        fc.string({ maxLength: 12 }),
      ),
      { maxLength: 3 },
    );
    // Path ids up to 8 characters: longer ones hit the known bug below.
    const idArb = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 8 }));
    const runs = op.template === "/api/v1/auth/sign-in" ? 60 : bodyOps ? 200 : 100;
    await fc.assert(
      fc.asyncProperty(
        bodyArb,
        queryArb,
        fc.array(idArb, { minLength: 2, maxLength: 2 }),
        async (body, query, [a, b]) => {
          const ids: Record<string, string> = { ...idsFor(op) };
          if (op.pathParams[0]) ids[op.pathParams[0]] = a!;
          if (op.pathParams[1]) ids[op.pathParams[1]] = b!;
          const res = await call(op, {
            path: op.template.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(ids[n]!)),
            query: query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"),
            body: bodyOps ? body : undefined,
          });
          expectSane(res, `${op.name} ${JSON.stringify({ body, query, ids }).slice(0, 300)}`);
        },
      ),
      { seed: 20_261_121, numRuns: runs, endOnFailure: true },
    );
  });

  if (op.secured)
    it("refuses missing, garbage and refresh tokens with 401, whatever the body", async () => {
      const tokens: [string, string | null, Record<string, string>?][] = [
        ["no token", null],
        ["garbage token", "garbage"],
        ["an access-looking token", `hwa_${"A".repeat(43)}`],
        ["an overlong token", `hwa_${"A".repeat(5_000)}`],
        ["a refresh token", eve.session.refreshToken],
        ["an empty bearer", null, { authorization: "Bearer " }],
        ["basic auth", null, { authorization: "Basic ZXZlOnNlY3JldA==" }],
      ];
      for (const [label, token, headers] of tokens) {
        for (const body of bodyOps ? [validBody(op), '{"a":', { junk: [1, 2, 3] }] : [undefined]) {
          const res = await call(op, { token, headers, body });
          expectSane(res, `${op.name} ${label}`);
          expect(res.status, `${op.name} ${label} ${JSON.stringify(body)}: ${res.text}`).toBe(401);
        }
      }
    });
});

// ---------------------------------------------------------------------------------------------
// Uploads read multipart/form-data, not JSON: the JSON attacks above only see them refuse the
// content type. Here they get broken multipart instead, and nothing may be stored.

const multipartOps = operations.filter((op) => op.multipart);

/** A multipart body by hand: parts with optional file names, optionally without its closing boundary. */
function multipart(
  boundary: string,
  parts: { name: string; filename?: string; content: string | Buffer; headers?: string }[],
  close = true,
): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const filename = part.filename === undefined ? "" : `; filename="${part.filename}"`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\n${part.headers ?? ""}\r\n`,
      ),
      Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content),
      Buffer.from("\r\n"),
    );
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** Attachment rows and stored files: what a refused upload must not change. */
async function stored(): Promise<{ rows: number; files: string[] }> {
  const [row] = await queryDb(server.databaseUrl, "SELECT count(*)::int AS n FROM attachments");
  const files: string[] = [];
  for (const entry of await readdir(server.filesDir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) files.push(path.join(entry.parentPath, entry.name));
  return { rows: row.n, files: files.sort() };
}

describe.each(multipartOps.map((op) => [op.name, op] as const))("%s (multipart)", (_name, op) => {
  const B = "fuzz-boundary";
  const type = `multipart/form-data; boundary=${B}`;
  const file = (content: string | Buffer, filename = "a.txt") => ({ name: "file", filename, content });

  it("answers broken multipart with a catalogue error and stores nothing", async () => {
    let before = await stored();
    const cases: [string, Call, string[]][] = [
      [
        "no boundary",
        { body: multipart(B, [file("hi")]), contentType: "multipart/form-data" },
        ["VALIDATION_FAILED"],
      ],
      [
        "another boundary",
        { body: multipart("other", [file("hi")]), contentType: type },
        ["VALIDATION_FAILED", "FILE_TRUNCATED"],
      ],
      [
        "garbage",
        { body: Buffer.from([0xff, 0x00, 0x2d, 0x2d, 0x0d, 0x0a]), contentType: type },
        ["VALIDATION_FAILED", "FILE_TRUNCATED"],
      ],
      ["an empty body", { body: "", contentType: type }, ["VALIDATION_FAILED"]],
      [
        "no closing boundary",
        { body: multipart(B, [file("hello")], false), contentType: type },
        ["FILE_TRUNCATED"],
      ],
      [
        "cut inside the part headers",
        { body: `--${B}\r\nContent-Disposition: form-da`, contentType: type },
        ["FILE_TRUNCATED", "VALIDATION_FAILED"],
      ],
      [
        "two files",
        { body: multipart(B, [file("one"), file("two", "b.txt")]), contentType: type },
        ["VALIDATION_FAILED"],
      ],
      [
        "fields only",
        { body: multipart(B, [{ name: "note", content: "no file" }]), contentType: type },
        ["VALIDATION_FAILED"],
      ],
      ["an empty file", { body: multipart(B, [file("")]), contentType: type }, ["FILE_EMPTY"]],
      [
        "a refused type",
        { body: multipart(B, [file(Buffer.from("MZ\x90\x00\x03"), "x.txt")]), contentType: type },
        ["FILE_TYPE_REFUSED"],
      ],
      [
        "a __proto__ part",
        { body: multipart(B, [{ name: "__proto__", filename: "a.txt", content: "x" }]), contentType: type },
        ["VALIDATION_FAILED"],
      ],
      [
        "forty fields",
        {
          body: multipart(B, [
            ...Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, content: "v" })),
            file("x"),
          ]),
          contentType: type,
        },
        ["VALIDATION_FAILED"],
      ],
      [
        "a 100 KB part header",
        {
          body: multipart(B, [{ ...file("x"), headers: `X-Pad: ${"p".repeat(100_000)}\r\n` }]),
          contentType: type,
        },
        [],
      ],
      [
        "a bad transfer encoding header",
        {
          body: multipart(B, [{ ...file("x"), headers: "Content-Transfer-Encoding: base64\r\n" }]),
          contentType: type,
        },
        [],
      ],
      ["JSON", { body: JSON.stringify({ file: "x" }) }, ["UNSUPPORTED_MEDIA_TYPE"]],
      [
        "form encoded",
        { body: "file=x", contentType: "application/x-www-form-urlencoded" },
        ["UNSUPPORTED_MEDIA_TYPE"],
      ],
    ];
    for (const [label, c, codes] of cases) {
      const res = await call(op, c);
      if (codes.length > 0) expectRefused(res, `${op.name} ${label}`, ...codes);
      else expectSane(res, `${op.name} ${label}`);
      // An odd body that still carries one good file may be accepted; it is one row and its blob.
      if (res.status === 201) before = await stored();
      else expect(await stored(), `${op.name} ${label} left something behind`).toEqual(before);
    }
  });

  it("refuses strangers and other people's conversations before reading the file", async () => {
    const before = await stored();
    const body = multipart(B, [file("a real little file")]);
    for (const token of [null, "garbage", eve.session.refreshToken]) {
      const res = await call(op, { token, body, contentType: type });
      expectSane(res, `${op.name} token ${token}`);
      expect(res.status).toBe(401);
    }
    const theirs = await call(op, { path: fillPath(op, theirIds()), body, contentType: type });
    const nothing = await call(op, { path: fillPath(op, randomIds()), body, contentType: type });
    expectError(theirs, 404, "CONVERSATION_NOT_FOUND");
    expect(theirs.body).toEqual(nothing.body);
    expect(await stored()).toEqual(before);
  });

  it("survives random multipart bodies (fast-check, fixed seed)", async () => {
    const before = await stored();
    const header = fc.oneof(
      fc.constant(""),
      fc.constantFrom("Content-Type: image/png\r\n", "Content-Type: text/plain; charset=utf-16\r\n"),
      fc.string({ maxLength: 40 }).map((s) => `${s}\r\n`),
    );
    const part = fc.record({
      name: fc.oneof(fc.constant("file"), fc.string({ maxLength: 8 })),
      filename: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
      content: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      headers: header,
    });
    let created = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 3 }), fc.boolean(), async (parts, close) => {
        const res = await call(op, { body: multipart(B, parts, close), contentType: type });
        expectSane(res, `${op.name} ${JSON.stringify(parts).slice(0, 300)}`);
        if (res.status === 201) created++;
      }),
      { seed: 20_261_121, numRuns: 100, endOnFailure: true },
    );
    // Whatever was accepted is one row each; nothing else was kept.
    expect((await stored()).rows).toBe(before.rows + created);
  });
});

describe("a conversation between two other people", () => {
  it.each(
    withPathIds.filter((op) => op.template.includes("{conversationId}")).map((op) => [op.name, op] as const),
  )("%s: answers exactly as for an id that names nothing", async (_name, op) => {
    const body = op.body ? validBody(op) : undefined;
    const theirs = await call(op, { path: fillPath(op, theirIds()), body });
    const nothing = await call(op, {
      path: fillPath(op, randomIds()),
      body: op.body ? validBody(op) : undefined,
    });
    expectError(theirs, 404, "CONVERSATION_NOT_FOUND");
    expect(theirs.body).toEqual(nothing.body);
    expect(theirs.status).toBe(nothing.status);
  });

  it("one of their message ids through Eve's own conversation is MESSAGE_NOT_FOUND, like a random id", async () => {
    const op = operations.find(
      (o) => o.name === "GET /api/v1/conversations/{conversationId}/messages/{messageId}",
    )!;
    const theirs = await call(op, {
      path: fillPath(op, { conversationId: eveGroup.id, messageId: theirMessage.id }),
    });
    const nothing = await call(op, {
      path: fillPath(op, { conversationId: eveGroup.id, messageId: randomUUID() }),
    });
    expectError(theirs, 404, "MESSAGE_NOT_FOUND");
    expect(theirs.body).toEqual(nothing.body);
  });

  it("trying to join or change it leaves no trace", async () => {
    const base = `/api/v1/conversations/${theirGroup.id}`;
    expectError(await eve.api.post(`${base}/members`, { userIds: [eve.id] }), 404, "CONVERSATION_NOT_FOUND");
    expectError(
      await eve.api.put(`${base}/members/${eve.id}/role`, { role: "admin" }),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expectError(await eve.api.patch(`${base}/settings`, { pinned: true }), 404, "CONVERSATION_NOT_FOUND");
    expectError(await eve.api.delete(`${base}/members/${cat.id}`), 404, "CONVERSATION_NOT_FOUND");
    expectError(
      await eve.api.post(`${base}/messages`, { clientId: newClientId(), text: "knock knock" }),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    const members = expectStatus(await cat.api.get(`${base}/members`), 200);
    expect(members.members.map((m: { user: { id: string } }) => m.user.id).sort()).toEqual(
      [cat.id, dan.id].sort(),
    );
    const history = expectStatus(await dan.api.get(`${base}/messages`), 200);
    expect(history.messages.map((m: { text: string }) => m.text)).not.toContain("knock knock");
  });
});

describe("framing the server cannot route", () => {
  it("an oversize directory sync (40 MB) is refused before it is read", { timeout: 60_000 }, async () => {
    const op = operations.find((o) => o.name === "POST /api/v1/directory/sync")!;
    const forty = Buffer.alloc(40 * 1024 * 1024, 0x20);
    forty.write('{"users":[');
    expectRefused(
      await call(op, { token: SERVICE_TOKEN, body: forty }),
      "40 MB as the service",
      "PAYLOAD_TOO_LARGE",
    );
    // A stranger is turned away on the headers alone: the server never parses their 40 MB.
    expectRefused(await call(op, { token: null, body: forty }), "40 MB anonymous", "UNAUTHENTICATED");
  });

  it("an unknown path or method is ROUTE_NOT_FOUND", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/nothing-here"],
      ["DELETE", "/api/v1/me"],
      ["PATCH", "/api/v1/conversations"],
      ["GET", "/api/v2/me"],
      ["GET", "/api/v1/conversations/%2e%2e/%2e%2e/me"],
    ] as const) {
      const res = await rawRequest(server.url, {
        method,
        path,
        headers: { authorization: `Bearer ${eve.session.accessToken}` },
      });
      bodies.push(res.text);
      expectError(res, 404, "ROUTE_NOT_FOUND");
    }
  });

  // KNOWN BUG, left for the owner of app.ts: Fastify answers a path it cannot decode, and a path
  // parameter over 100 characters, with its own body ({"error":"Bad Request","code":"FST_ERR_…"})
  // before any handler runs. `frameworkErrors: errorHandler` in the Fastify options fixes both
  // (toHallwayError maps them to VALIDATION_FAILED). Remove `.fails` once it is there.
  it("a path that is not valid percent-encoding, or an overlong id, gets the one error body", async () => {
    for (const path of ["/api/v1/conversations/%E0%A4%A", `/api/v1/conversations/${"a".repeat(150)}`]) {
      const res = await rawRequest(server.url, {
        method: "GET",
        path,
        headers: { authorization: `Bearer ${eve.session.accessToken}` },
      });
      expectRefused(res, path, "VALIDATION_FAILED");
    }
  });
});

describe("after all of the above", () => {
  it("no answer ever carried a word of the conversations Eve is not in", () => {
    expect(requestCount).toBeGreaterThan(2_000);
    const leaks = bodies.filter((b) => b.includes(SECRET_TEXT) || b.includes(SECRET_GROUP));
    expect(leaks).toEqual([]);
  });

  it("the server is still healthy and Eve's data is intact", async () => {
    expectStatusOf(await rawRequest(server.url, { method: "GET", path: "/readyz" }), 200);
    const history = expectStatus(
      await eve.api.get(`/api/v1/conversations/${eveGroup.id}/messages?after=0&limit=1`),
      200,
    );
    expect(history.messages[0].seq).toBe(1);
    const theirs = expectStatus(await dan.api.get(`/api/v1/conversations/${theirDirect.id}/messages`), 200);
    expect(theirs.messages.map((m: { text: string }) => m.text)).toEqual([SECRET_TEXT]);
  });
});
