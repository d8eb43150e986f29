import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { HallwayClient, type HallwayClientOptions } from "@hallway/client";
import { ERROR_CATALOGUE, type Session } from "@hallway/protocol";
import pg from "pg";
import { expect } from "vitest";
import WebSocket, { type ClientOptions } from "ws";
import { Api, expectStatus } from "../api.ts";
import { signInTrusted, TRUSTED_SECRET, trustedToken } from "../fixtures.ts";
import { startTestServer, type TestServer } from "../harness.ts";

/**
 * Shared pieces of the real-time suite: a server that trusts the test school system (so people
 * sign in without the per-IP password limit), people made by directory sync, SDK clients whose
 * sockets the test can see, and raw sockets for misbehaving on purpose.
 */

export interface RealtimeServer extends TestServer {
  admin: Api;
  pool: pg.Pool;
}

/** A real server on a random port with its own database; `pool` reads that database. */
export async function startRealtimeServer(overrides: Record<string, string> = {}): Promise<RealtimeServer> {
  const server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET, ...overrides });
  const { api: admin } = await new Api(server.url).signInAdmin();
  const pool = new pg.Pool({ connectionString: server.databaseUrl, max: 3 });
  return {
    ...server,
    admin,
    pool,
    close: async () => {
      await server.close();
      await pool.end();
    },
  };
}

export interface TestUser {
  id: string;
  externalId: string;
  session: Session;
  api: Api;
}

let sequence = 0;

/** Unique external ids per process, so a file can make people in several steps. */
export function uniqueName(prefix: string): string {
  sequence++;
  return `${prefix}-${sequence}`;
}

/** Puts people in the directory in one sync, then signs each in (school-system JWT). */
export async function createUsers(
  server: RealtimeServer,
  names: string[],
  options: { role?: string; signIn?: number } = {},
): Promise<TestUser[]> {
  const role = options.role ?? "teacher";
  expectStatus(
    await server.admin.post("/api/v1/directory/sync", {
      users: names.map((name) => ({ externalId: name, role, displayName: name })),
    }),
    200,
  );
  const toSignIn = names.slice(0, options.signIn ?? names.length);
  const users: TestUser[] = [];
  // A few at a time: the machine has two cores and others are testing too.
  for (let i = 0; i < toSignIn.length; i += 10) {
    const batch = await Promise.all(
      toSignIn.slice(i, i + 10).map(async (externalId) => {
        const signed = await signInTrusted(
          server.url,
          await trustedToken({ sub: externalId, role, name: externalId }),
        );
        return { id: signed.id, externalId, session: signed.session, api: signed.api };
      }),
    );
    users.push(...batch);
  }
  return users;
}

/** The ids of people created without a session (createUsers with `signIn` below their number). */
export async function userIdsOf(server: RealtimeServer, externalIds: string[]): Promise<string[]> {
  const { rows } = await server.pool.query<{ id: string; external_id: string }>(
    "SELECT id, external_id FROM users WHERE external_id = ANY($1::text[])",
    [externalIds],
  );
  const byExternal = new Map(rows.map((r) => [r.external_id, r.id]));
  return externalIds.map((e) => byExternal.get(e)!);
}

/** Another session of the same person: another device. */
export async function anotherSession(server: RealtimeServer, user: TestUser): Promise<Session> {
  const signed = await signInTrusted(
    server.url,
    await trustedToken({ sub: user.externalId, role: "teacher", name: user.externalId }),
  );
  return signed.session;
}

/** Creates a group as `owner` with the others as members; returns its id. */
export async function createGroup(
  owner: TestUser,
  members: Array<{ id: string }>,
  name = "Group",
): Promise<string> {
  const body = expectStatus(
    await owner.api.post("/api/v1/conversations", { name, memberIds: members.map((m) => m.id) }),
    201,
  );
  return body.id as string;
}

/** Opens the direct conversation between two people; returns its id. */
export async function openDirect(a: TestUser, b: { id: string }): Promise<string> {
  const res = await a.api.post("/api/v1/conversations/direct", { userId: b.id });
  if (res.status !== 200 && res.status !== 201) throw new Error(`open direct: ${res.status}`);
  return res.body.id as string;
}

/** The school-wide group's id. */
export async function primaryId(server: RealtimeServer): Promise<string> {
  const { rows } = await server.pool.query<{ id: string }>(
    "SELECT id FROM conversations WHERE kind = 'primary'",
  );
  return rows[0]!.id;
}

/** A parsed frame as it came off the wire (unparsable text kept as `{ unparsable }`). */
export type Frame = Record<string, any>;

export interface SpiedSocket {
  socket: WebSocket;
  /** Every frame this socket received, in order. */
  frames: Frame[];
  /** Every text this socket sent. */
  sent: string[];
}

/**
 * A `ws` class for the SDK that keeps every socket it makes, with what went in and out, so a
 * test can kill one or check what one connection received.
 */
export function spiedWebSocket() {
  const sockets: SpiedSocket[] = [];
  class SpiedWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      const spied: SpiedSocket = { socket: this, frames: [], sent: [] };
      sockets.push(spied);
      this.on("message", (data) => spied.frames.push(parse(String(data))));
      this.on("error", () => {});
    }
    override send(data: any, ...rest: any[]): void {
      sockets.find((s) => s.socket === this)?.sent.push(String(data));
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  }
  return { WebSocket: SpiedWebSocket, sockets };
}

export interface TestClient extends HallwayClient {
  /** The sockets this client opened, oldest first. */
  sockets: SpiedSocket[];
}

/** An SDK client with a session, fast reconnects and visible sockets (not yet connected). */
export function sdkClient(
  server: TestServer,
  session: Session,
  options: Partial<HallwayClientOptions> = {},
): TestClient {
  const spy = spiedWebSocket();
  const client = new HallwayClient({
    baseUrl: server.url,
    WebSocket: spy.WebSocket as never,
    backoff: { initialMs: 20, maxMs: 200 },
    ...options,
  }) as TestClient;
  client.useSession(session);
  client.sockets = spy.sockets;
  return client;
}

/** Collects the data of one kind of event from an SDK client. */
export function record<E extends keyof import("@hallway/client").ClientEvents>(
  client: HallwayClient,
  event: E,
): Array<import("@hallway/client").ClientEvents[E]> {
  const seen: Array<import("@hallway/client").ClientEvents[E]> = [];
  client.on(event, (data) => {
    seen.push(data);
  });
  return seen;
}

export function wsUrl(server: TestServer, query: Record<string, string | undefined> = {}): string {
  const url = new URL(`${server.url.replace(/^http/, "ws")}/ws`);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

function parse(text: string): Frame {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : { unparsable: text };
  } catch {
    return { unparsable: text };
  }
}

/** Waits until `check` returns something other than undefined/false. */
export async function until<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 15_000,
  everyMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A WebSocket driven frame by frame: for misbehaving, and for counting exactly what arrives. */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  closeInfo?: { code: number; reason: string };
  private nextId = 1;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => this.frames.push(parse(String(data))));
    ws.on("error", () => {});
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      }),
    );
  }

  /** Opens a socket; resolves once the upgrade is done (the server may still close it). */
  static open(url: string, options?: ClientOptions): Promise<RawClient> {
    const ws = new WebSocket(url, options);
    const client = new RawClient(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  /** Opens an authenticated socket and waits for session.ready. */
  static async connect(
    server: TestServer,
    token: string,
    query: Record<string, string> = {},
    options?: ClientOptions,
  ): Promise<RawClient> {
    const client = await RawClient.open(wsUrl(server, { v: "1", token, ...query }), options);
    await client.waitFor((f) => f.ev === "session.ready", "session.ready");
    return client;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** Sends a command and waits for its reply frame (ok or not). */
  async request(cmd: string, data?: unknown, timeoutMs = 15_000): Promise<Frame> {
    const id = `r${this.nextId++}`;
    this.send(data === undefined ? { id, cmd } : { id, cmd, data });
    return this.waitFor((f) => f.re === id, `reply to ${cmd}`, timeoutMs);
  }

  /** Sends a command and returns its reply data; fails the test on an error reply. */
  async call(cmd: string, data?: unknown): Promise<any> {
    const reply = await this.request(cmd, data);
    if (!reply.ok) throw new Error(`${cmd} failed: ${JSON.stringify(reply.error)}`);
    return reply.data;
  }

  /** The first frame (from index `from`) that matches. */
  waitFor(match: (frame: Frame) => boolean, what: string, timeoutMs = 15_000, from = 0): Promise<Frame> {
    return until(
      () => {
        for (let i = from; i < this.frames.length; i++) if (match(this.frames[i]!)) return this.frames[i];
        if (this.closeInfo) throw new Error(`closed (${this.closeInfo.code}) while waiting for ${what}`);
        return undefined;
      },
      what,
      timeoutMs,
    );
  }

  /** The data of every event of this name received so far. */
  events(name: string): any[] {
    return this.frames.filter((f) => f.ev === name).map((f) => f.data);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.terminate();
  }
}

/** The close code and reason of a connection attempt the server refuses after the upgrade. */
export async function closeCodeOf(url: string): Promise<number> {
  const client = await RawClient.open(url);
  return (await client.closed).code;
}

/** Asserts a server frame is a well-formed error reply with a catalogue code; returns the code. */
export function expectErrorReply(frame: Frame, re: string | number | null = null): string {
  expect(frame).toEqual({
    re,
    ok: false,
    error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
  });
  expect(Object.keys(ERROR_CATALOGUE)).toContain(frame.error.code);
  return frame.error.code;
}

/** Forces full garbage collections, letting finalizers free external memory in between. */
export async function collectGarbage(): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Every message in the database: conversation, seq, sender and client id, in log order. */
export async function messagesInDb(server: RealtimeServer): Promise<
  Array<{
    conversation_id: string;
    seq: number;
    sender_id: string | null;
    client_id: string | null;
    body: string;
  }>
> {
  const { rows } = await server.pool.query(
    "SELECT conversation_id, seq::int AS seq, sender_id, client_id, body FROM messages ORDER BY conversation_id, seq",
  );
  return rows;
}
