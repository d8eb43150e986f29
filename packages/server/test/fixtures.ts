import http from "node:http";
import type {
  ConversationList as ConversationListSchema,
  MemberPage as MemberPageSchema,
  MessagePage as MessagePageSchema,
  SendMessageResult as SendMessageResultSchema,
  UserList as UserListSchema,
} from "@hallway/protocol";
import { ERROR_CATALOGUE, type ErrorCode, type Session } from "@hallway/protocol";
import { type JWTPayload, SignJWT } from "jose";
import pg from "pg";
import { expect } from "vitest";
import type { z } from "zod";
import { Api, expectStatus } from "./api.ts";

/** Response bodies the protocol defines only as schemas. */
export type ConversationList = z.infer<typeof ConversationListSchema>;
export type MemberPage = z.infer<typeof MemberPageSchema>;
export type MessagePage = z.infer<typeof MessagePageSchema>;
export type SendMessageResult = z.infer<typeof SendMessageResultSchema>;
export type UserList = z.infer<typeof UserListSchema>;

/** Like api.ts's expectStatus, for any response with a status and a parsed body. */
export function expectStatusOf<T = any>(res: { status: number; body: unknown }, status: number): T {
  if (res.status !== status)
    throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/** The HS256 secret shared with the "school system" in tests (at least 32 characters). */
export const TRUSTED_SECRET = "hallway-test-shared-secret-0123456789abcdef";

/** The directory service token in tests (at least 32 characters). */
export const SERVICE_TOKEN = "hallway-test-service-token-0123456789abcdef";

let lastHost = 1;

/**
 * A loopback address other than 127.0.0.1 (Linux routes all of 127/8 to the local host).
 * Sign-in endpoints allow 20 attempts a minute per IP: fixtures and fuzzers sign in from a
 * rotating address so a test file can sign in as many people as it needs. The limit itself is
 * tested from 127.0.0.1 in auth.test.ts.
 */
export function nextLoopbackAddress(): string {
  lastHost = lastHost >= 254 ? 2 : lastHost + 1;
  return `127.0.0.${lastHost}`;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or the raw text when it is not JSON. */
  body: any;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Local address to connect from (see nextLoopbackAddress). */
  localAddress?: string;
}

/**
 * One HTTP request over a fresh TCP connection, with full control of headers and body bytes
 * (fetch normalises both). A response that arrives before the body is fully written (a 413 or a
 * 401 on a large upload) is still returned.
 */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers: Record<string, string> = { ...request.headers };
    // Node frames a GET or DELETE body only when told its length.
    if (request.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length"))
      headers["content-length"] = String(Buffer.byteLength(request.body));
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers,
        localAddress: request.localAddress,
        agent: false,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    if (request.body !== undefined) req.end(request.body);
    else req.end();
  });
}

/** Asserts the one error body shape with a catalogue code, and its catalogue status. */
export function expectErrorBody(res: { status: number; body: any }): ErrorCode {
  const body = res.body;
  expect(body, `error body of a ${res.status}`).toEqual({
    error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
  });
  const code = body.error.code as ErrorCode;
  expect(Object.keys(ERROR_CATALOGUE), `${code} is in the catalogue`).toContain(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(res.status, `status of ${code}`).toBe(ERROR_CATALOGUE[code].status);
  return code;
}

/** Asserts an error response: its status, its code, and the one error body shape. */
export function expectError(res: { status: number; body: any }, status: number, code: ErrorCode): void {
  expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({
    status,
    code,
  });
  expectErrorBody(res);
}

export interface TokenOptions {
  secret?: string;
  issuer?: string;
  audience?: string;
  /** Expiry: a jose time span ("10m"), epoch seconds, or null for none. Default "10m". */
  expiresAt?: string | number | null;
  alg?: string;
}

/** A JWT as the school system would issue it, signed with the shared HS256 secret. */
export async function trustedToken(claims: JWTPayload, options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? "HS256" }).setIssuedAt();
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  const expiresAt = options.expiresAt === undefined ? "10m" : options.expiresAt;
  if (expiresAt !== null) jwt.setExpirationTime(expiresAt);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TRUSTED_SECRET));
}

/** POST /auth/trusted from a rotating loopback address (see nextLoopbackAddress). */
export function postTrusted(baseUrl: string, token: unknown): Promise<RawResponse> {
  return rawRequest(baseUrl, {
    method: "POST",
    path: "/api/v1/auth/trusted",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
    localAddress: nextLoopbackAddress(),
  });
}

export interface SignedIn {
  api: Api;
  session: Session;
  /** The user's Hallway id. */
  id: string;
}

/** Signs in with a school-system JWT and returns an Api acting as that user. */
export async function signInTrusted(baseUrl: string, token: string): Promise<SignedIn> {
  const res = await postTrusted(baseUrl, token);
  const session = expectStatusOf<Session>(res, 200);
  return { api: new Api(baseUrl, session.accessToken), session, id: session.user.id };
}

export interface Person {
  externalId: string;
  role: string;
  displayName: string;
  email?: string;
  username?: string;
}

/**
 * Puts people in the directory (as the admin) and signs each in with a school-system JWT
 * (the server must trust TRUSTED_SECRET, without issuer or audience). Keyed by external id.
 */
export async function enrol(
  baseUrl: string,
  admin: Api,
  people: Person[],
): Promise<Record<string, SignedIn & Person>> {
  expectStatus(await admin.post("/api/v1/directory/sync", { users: people }), 200);
  const signedIn = await Promise.all(
    people.map(async (person) => ({
      ...person,
      ...(await signInTrusted(
        baseUrl,
        await trustedToken({ sub: person.externalId, role: person.role, name: person.displayName }),
      )),
    })),
  );
  return Object.fromEntries(signedIn.map((p) => [p.externalId, p]));
}

/** Runs one SQL query on the test server's database (for state the REST API does not show yet). */
export async function queryDb<T = any>(
  databaseUrl: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

let clientIds = 0;

/** A fresh client id for a send. */
export function newClientId(prefix = "c"): string {
  clientIds++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${clientIds}`;
}
