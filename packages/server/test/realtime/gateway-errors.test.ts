import type { HallwayClientError } from "@hallway/client";
import {
  CLOSE_CODES,
  COMMANDS,
  type CommandName,
  ERROR_CATALOGUE,
  EVENTS,
  MAX_FRAME_BYTES,
} from "@hallway/protocol";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_TOKEN, signInTrusted, trustedToken } from "../fixtures.ts";
import {
  anotherSession,
  closeCodeOf,
  createUsers,
  expectErrorReply,
  type Frame,
  openDirect,
  RawClient,
  type RealtimeServer,
  record,
  sdkClient,
  sleep,
  startRealtimeServer,
  type TestUser,
  uniqueName,
  until,
  wsUrl,
} from "./helpers.ts";

/**
 * What a client can do wrong at the WebSocket: bad or stale credentials, frames that are not
 * commands, frames too big, too many frames. Each gets an error reply with a catalogue code or
 * a documented close code; the others on the server keep chatting; the server does not fall over.
 */

let server: RealtimeServer;
/** Access tokens live one second here. */
let shortLived: RealtimeServer;
/** No practical rate limit here, for the fuzzer. */
let roomy: RealtimeServer;

beforeAll(async () => {
  [server, shortLived, roomy] = await Promise.all([
    startRealtimeServer({ HALLWAY_SERVICE_TOKEN: SERVICE_TOKEN }),
    startRealtimeServer({ ACCESS_TOKEN_TTL: "1" }),
    startRealtimeServer({ WS_RATE_PER_SECOND: "10000", WS_RATE_BURST: "10000" }),
  ]);
});
afterAll(() => Promise.all([server?.close(), shortLived?.close(), roomy?.close()]));

/** Two people chatting on a server the whole time; checked after every test. */
async function bystanders(on: RealtimeServer) {
  const [a, b] = await createUsers(on, [uniqueName("bystander-a"), uniqueName("bystander-b")]);
  const conversationId = await openDirect(a!, b!);
  const one = sdkClient(on, a!.session);
  const two = sdkClient(on, b!.session);
  await Promise.all([one.connect(), two.connect()]);
  const received = record(two, "message.created");
  let sent = 0;
  return {
    /** One more message from one to two, which must arrive; neither ever reconnected. */
    async chat() {
      sent++;
      await one.send(conversationId, `still here ${sent}`);
      await expect.poll(() => received.map((m) => m.text)).toContain(`still here ${sent}`);
      expect([one.state, two.state]).toEqual(["open", "open"]);
      expect([one.sockets.length, two.sockets.length]).toEqual([1, 1]);
    },
    close() {
      one.disconnect();
      two.disconnect();
    },
  };
}

let watchers: Awaited<ReturnType<typeof bystanders>>;
let person: TestUser;
beforeAll(async () => {
  watchers = await bystanders(server);
  person = (await createUsers(server, [uniqueName("person")]))[0]!;
});
afterEach(async () => {
  await watchers.chat();
  expect((await server.admin.get("/healthz")).status).toBe(200);
});
afterAll(() => watchers?.close());

const token = () => person.session.accessToken;

describe("connecting", () => {
  it("without a token, or with one that is not a Hallway token, is closed with 4500", async () => {
    expect(await closeCodeOf(wsUrl(server, { v: "1" }))).toBe(CLOSE_CODES.UNAUTHENTICATED);
    expect(await closeCodeOf(wsUrl(server, { v: "1", token: "garbage" }))).toBe(CLOSE_CODES.UNAUTHENTICATED);
    const lookalike = `${token().slice(0, 10)}${"A".repeat(token().length - 10)}`;
    expect(await closeCodeOf(wsUrl(server, { v: "1", token: lookalike }))).toBe(CLOSE_CODES.UNAUTHENTICATED);
    // The school system's service token is for the directory API, not for chatting.
    expect(await closeCodeOf(wsUrl(server, { v: "1", token: SERVICE_TOKEN }))).toBe(
      CLOSE_CODES.UNAUTHENTICATED,
    );
    // A valid token works in the query and in the Authorization header.
    const byHeader = await RawClient.open(wsUrl(server, { v: "1" }), {
      headers: { authorization: `Bearer ${token()}` },
    });
    await byHeader.waitFor((f) => f.ev === "session.ready", "session.ready");
    byHeader.close();
  });

  it("with protocol version 2 is closed with 4502", async () => {
    expect(await closeCodeOf(wsUrl(server, { v: "2", token: token() }))).toBe(
      CLOSE_CODES.UNSUPPORTED_VERSION,
    );
  });

  it("with an expired access token is closed with 4401, and the SDK refreshes and reconnects", async () => {
    // Signed in by the school system's token (the admin's own token here is long expired).
    const externalId = uniqueName("expiring");
    const user = await signInTrusted(
      shortLived.url,
      await trustedToken({ sub: externalId, role: "teacher", name: externalId }),
    );
    const expiresAt = new Date(user.session.accessTokenExpiresAt).getTime();
    await until(() => Date.now() > expiresAt + 50, "the token to expire", 5_000);
    expect(await closeCodeOf(wsUrl(shortLived, { v: "1", token: user.session.accessToken }))).toBe(
      CLOSE_CODES.TOKEN_EXPIRED,
    );

    const client = sdkClient(shortLived, user.session);
    const sessions = record(client, "session");
    await client.connect();
    expect(sessions.length).toBeGreaterThanOrEqual(1);
    expect(client.session!.accessToken).not.toBe(user.session.accessToken);
    client.disconnect();
  });

  it("with a signed-out session is closed with 4501, and signing out closes the session's sockets with 4501", async () => {
    const [user] = await createUsers(server, [uniqueName("signing-out")]);
    const laptop = sdkClient(server, user!.session);
    const phone = sdkClient(server, await anotherSession(server, user!));
    await Promise.all([laptop.connect(), phone.connect()]);
    const closed = record(laptop, "closed");

    expect((await user!.api.post("/api/v1/auth/sign-out")).status).toBe(204);
    await expect.poll(() => closed).toEqual([{ code: CLOSE_CODES.SESSION_REVOKED, reason: "session ended" }]);
    expect(laptop.state).toBe("closed");
    // The other session, on the phone, is not signed out.
    expect(await phone.request("ping", undefined)).toMatchObject({ serverTime: expect.any(String) });
    expect(await closeCodeOf(wsUrl(server, { v: "1", token: user!.session.accessToken }))).toBe(
      CLOSE_CODES.SESSION_REVOKED,
    );
    phone.disconnect();
  });

  it("as a user the directory deactivates: their sockets are closed with 4501", async () => {
    const [user] = await createUsers(server, [uniqueName("leaver")]);
    const devices = await Promise.all([
      RawClient.connect(server, user!.session.accessToken),
      RawClient.connect(server, (await anotherSession(server, user!)).accessToken),
    ]);
    const sync = await server.admin.post("/api/v1/directory/sync", {
      users: [{ externalId: user!.externalId, role: "teacher", displayName: "Left", active: false }],
    });
    expect(sync.body.users.deactivated).toBe(1);
    for (const device of devices) expect((await device.closed).code).toBe(CLOSE_CODES.SESSION_REVOKED);
    expect(await closeCodeOf(wsUrl(server, { v: "1", token: user!.session.accessToken }))).toBe(
      CLOSE_CODES.SESSION_REVOKED,
    );
  });
});

describe("bad frames", () => {
  let raw: RawClient;
  beforeAll(async () => {
    raw = await RawClient.connect(server, token());
  });
  afterAll(() => raw?.close());

  /** Sends one frame and returns the next frame that is not an event. */
  async function answer(frame: string | Buffer): Promise<Frame> {
    const from = raw.frames.length;
    raw.send(frame);
    return raw.waitFor((f) => f.ev === undefined, "a reply", 10_000, from);
  }

  it("each gets an error reply with a catalogue code, and the connection stays usable", async () => {
    const cases: Array<[string | Buffer, string, string | number | null]> = [
      ["not json", "MALFORMED_JSON", null],
      ['{"id":"1",', "MALFORMED_JSON", null],
      [Buffer.from([0xff, 0xfe, 0x00, 0x81]), "MALFORMED_JSON", null],
      ["[1,2,3]", "MALFORMED_FRAME", null],
      ['"ping"', "MALFORMED_FRAME", null],
      ["42", "MALFORMED_FRAME", null],
      ["null", "MALFORMED_FRAME", null],
      ['{"cmd":"ping"}', "MALFORMED_FRAME", null],
      ['{"id":"a1"}', "MALFORMED_FRAME", "a1"],
      ['{"id":"a2","cmd":"ping","extra":true}', "MALFORMED_FRAME", "a2"],
      ['{"id":{"nested":1},"cmd":"ping"}', "MALFORMED_FRAME", null],
      ['{"id":"a3","cmd":"message.unsend"}', "UNKNOWN_COMMAND", "a3"],
      ['{"id":"a4","cmd":"constructor"}', "UNKNOWN_COMMAND", "a4"],
      ['{"id":7,"cmd":"__proto__"}', "UNKNOWN_COMMAND", 7],
      [
        '{"id":"a5","cmd":"message.send","data":{"conversationId":42,"clientId":"x","text":5}}',
        "VALIDATION_FAILED",
        "a5",
      ],
      ['{"id":"a6","cmd":"session.resume","data":"everything"}', "VALIDATION_FAILED", "a6"],
      [
        '{"id":"a7","cmd":"conversation.read","data":{"conversationId":"not-a-uuid","seq":-1}}',
        "VALIDATION_FAILED",
        "a7",
      ],
      ['{"id":"a8","cmd":"presence.set","data":{"state":"asleep"}}', "VALIDATION_FAILED", "a8"],
      ['{"id":"a9","cmd":"status.set","data":{"text":"x","colour":"red"}}', "VALIDATION_FAILED", "a9"],
    ];
    for (const [frame, code, re] of cases) {
      const reply = await answer(frame);
      expect(expectErrorReply(reply, re), String(frame)).toBe(code);
    }
    const invalid = await answer('{"id":"a10","cmd":"message.send","data":{"conversationId":42}}');
    expect(invalid.error.details.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(["data.conversationId", "data.clientId"]),
    );
    expect(raw.open).toBe(true);
    expect(await raw.call("ping", {})).toMatchObject({ serverTime: expect.any(String) });
  });

  it("a frame over 64 KiB gets PAYLOAD_TOO_LARGE; over 1 MiB the socket is closed with 1009", async () => {
    const big = JSON.stringify({ id: "big", cmd: "ping", data: { pad: "x".repeat(MAX_FRAME_BYTES) } });
    expect(expectErrorReply(await answer(big), null)).toBe("PAYLOAD_TOO_LARGE");
    expect(await raw.call("ping", {})).toBeDefined();

    const victim = await RawClient.connect(server, token());
    victim.send("x".repeat(1024 * 1024 + 1));
    expect((await victim.closed).code).toBe(1009);
  });

  it("more than 20 malformed frames in a row close the socket with 4503", async () => {
    const sloppy = await RawClient.connect(server, token());
    for (let i = 0; i < 30; i++) sloppy.send(`garbage ${i}`);
    expect((await sloppy.closed).code).toBe(CLOSE_CODES.PROTOCOL_VIOLATION);
    const errors = sloppy.frames.filter((f) => f.ok === false);
    expect(errors.length).toBe(20);
    for (const error of errors) expect(expectErrorReply(error, null)).toBe("MALFORMED_JSON");
  });
});

describe("floods", () => {
  it("frames beyond the burst get RATE_LIMITED, answered to their own id; the connection stays usable", async () => {
    const flooder = await RawClient.connect(server, token());
    for (let i = 0; i < 150; i++) flooder.send({ id: `f${i}`, cmd: "ping" });
    await until(() => flooder.frames.filter((f) => typeof f.re === "string").length === 150, "150 replies");
    const replies = flooder.frames.filter((f) => typeof f.re === "string");
    const limited = replies.filter((f) => f.ok === false);
    expect(limited.length).toBeGreaterThanOrEqual(150 - 60 - 10); // a burst of 60, plus what refills meanwhile
    for (const reply of limited) expect(expectErrorReply(reply, reply.re)).toBe("RATE_LIMITED");
    expect(new Set(replies.map((r) => r.re)).size).toBe(150);
    expect(flooder.open).toBe(true);
    await sleep(1_000); // the bucket refills at 20 a second
    expect(await flooder.call("ping", {})).toBeDefined();
    flooder.close();
  });

  it("the SDK's rate-limited requests fail with RATE_LIMITED at once instead of timing out", async () => {
    const client = sdkClient(server, person.session, { requestTimeoutMs: 5_000 });
    await client.connect();
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        client.request("ping", undefined).then(
          () => "ok",
          (error: HallwayClientError) => error.code,
        ),
      ),
    );
    expect(results).toContain("RATE_LIMITED");
    expect(results).not.toContain("CLIENT_TIMEOUT");
    client.disconnect();
  });

  it("an offline outbox bigger than the burst lands whole and in order (a rate-limited send used to be overtaken)", async () => {
    const [writer, reader] = await createUsers(server, [
      uniqueName("outbox-writer"),
      uniqueName("outbox-reader"),
    ]);
    const conversationId = await openDirect(writer!, reader!);
    const client = sdkClient(server, writer!.session);
    await client.connect();
    client.disconnect();
    const texts = Array.from({ length: 100 }, (_, i) => `written on the bus ${i} ${"…".repeat(2_000)}`);
    const sends = texts.map((text) => client.send(conversationId, text));
    await client.connect(); // 100 sends against a burst of 60 and 20 a second
    const landed = await Promise.all(sends);
    expect(landed.map((m) => m.text)).toEqual(texts);
    const { rows } = await server.pool.query(
      "SELECT body FROM messages WHERE conversation_id = $1 ORDER BY seq",
      [conversationId],
    );
    expect(rows.map((r) => r.body)).toEqual(texts);
    client.disconnect();
  });

  it("a sustained flood is closed with 4008", async () => {
    const flooder = await RawClient.connect(server, token());
    for (let i = 0; i < 500; i++) flooder.send({ id: i, cmd: "ping" });
    expect((await flooder.closed).code).toBe(CLOSE_CODES.RATE_LIMITED);
    expect(flooder.frames.filter((f) => f.error?.code === "RATE_LIMITED").length).toBeGreaterThan(100);
    // 4008 means "reconnect after a pause": the next connection is served.
    const again = await RawClient.connect(server, token());
    expect(await again.call("ping", {})).toBeDefined();
    again.close();
  });

  it("a flood that gets a frame through now and then is still closed with 4008 (each one used to reset the count)", async () => {
    const flooder = await RawClient.connect(server, token());
    // 2,500 frames a second for up to five seconds: the bucket lets one through every 50 ms.
    for (let n = 0; n < 500 && flooder.open; n++) {
      for (let i = 0; i < 25; i++) flooder.send({ id: `${n}-${i}`, cmd: "ping" });
      await sleep(10);
    }
    expect(flooder.open).toBe(false);
    expect((await flooder.closed).code).toBe(CLOSE_CODES.RATE_LIMITED);
  });
});

describe("generated frames", () => {
  it("thousands of random frames: every reply is well-formed, none is INTERNAL, and ping still answers", async () => {
    const [fuzzer, partner] = await createUsers(roomy, [uniqueName("fuzzer"), uniqueName("partner")]);
    const conversationId = await openDirect(fuzzer!, partner!);
    const chat = await bystanders(roomy);
    const raw = await RawClient.connect(roomy, fuzzer!.session.accessToken);
    await raw.call("session.resume", {});

    const anyChar = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
    const awkward = fc.constantFrom(
      "\u0000",
      "\u0007",
      "\u001b",
      "\ud800",
      "\udfff",
      "\u202e",
      "\n",
      " ",
      "a",
      "é",
      "😀",
    );
    const anyText = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: anyChar, maxLength: 40 }),
      fc.string({ unit: awkward, maxLength: 10 }),
    );
    const anyNumber = fc.oneof(fc.integer(), fc.nat(10), fc.double(), fc.constantFrom(2 ** 53, -1, 0, 1e300));
    const someId = fc.oneof(fc.constant(conversationId), fc.constant(partner!.id), fc.uuid(), anyText);
    const fields = {
      conversationId: someId,
      seq: anyNumber,
      clientId: fc.oneof(anyText, fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/)),
      text: fc.oneof(anyText, fc.constant(null)),
      positions: fc.dictionary(someId, anyNumber, { maxKeys: 3 }),
      userIds: fc.array(someId, { maxLength: 4 }),
      state: fc.oneof(fc.constantFrom("active", "away"), anyText),
      emoji: fc.oneof(anyText, fc.constant(null)),
      expiresAt: fc.oneof(
        anyText,
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constant(null),
      ),
      invisible: fc.oneof(fc.boolean(), anyText),
      before: anyNumber,
      after: anyNumber,
      limit: anyNumber,
      messageId: someId,
      add: fc.oneof(fc.boolean(), anyText),
      q: anyText,
    };
    type Field = keyof typeof fields;
    /**
     * The fields each command takes, so generated data often gets past validation into the
     * handler; a command not listed here gets any of the fields.
     */
    const fieldsOf: Partial<Record<CommandName, Field[]>> = {
      "session.resume": ["positions"],
      "message.send": ["conversationId", "clientId", "text"],
      "history.fetch": ["conversationId", "before", "after", "limit"],
      "search.messages": ["conversationId", "limit"],
      "conversation.read": ["conversationId", "seq"],
      "conversation.delivered": ["conversationId", "seq"],
      "receipts.get": ["conversationId", "seq"],
      "typing.start": ["conversationId"],
      "typing.stop": ["conversationId"],
      "presence.set": ["state"],
      "status.set": ["text", "emoji", "expiresAt", "invisible"],
      "presence.subscribe": ["userIds"],
      ping: [],
    };
    const anyData = fc.oneof(fc.jsonValue(), fc.record(fields, { requiredKeys: [] }));
    const commandNames = Object.keys(COMMANDS) as CommandName[];
    /** A command-shaped frame; its id is filled in when sent, so its reply can be found. */
    const command = fc.oneof(
      fc.constantFrom(...commandNames).chain((cmd) =>
        fc.record({
          cmd: fc.constant(cmd as string),
          data: fc.record(
            Object.fromEntries(
              (fieldsOf[cmd] ?? (Object.keys(fields) as Field[])).map((f) => [f, fields[f]]),
            ),
            { requiredKeys: [] },
          ),
        }),
      ),
      fc.record({ cmd: fc.oneof(fc.constantFrom(...commandNames), anyText), data: anyData }),
    );
    const junk = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v) ?? "null"),
      fc.string({ unit: anyChar, maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc
        .record(
          {
            id: fc.oneof(fc.jsonValue(), anyText),
            cmd: fc.oneof(fc.constantFrom(...commandNames), fc.jsonValue()),
            data: anyData,
          },
          { requiredKeys: [] },
        )
        .map((frame) => JSON.stringify(frame)),
    );
    const batch = fc.array(fc.oneof(command, junk), { minLength: 1, maxLength: 8 });

    let nextId = 0;
    let frames = 0;
    /** Commands that got past validation into their handler and answered ok. */
    const answered = new Set<string>();
    const eventNames = new Set(Object.keys(EVENTS));
    const codes = new Set(Object.keys(ERROR_CATALOGUE));
    await fc.assert(
      fc.asyncProperty(batch, async (items) => {
        const from = raw.frames.length;
        const commands = new Map<string, { cmd: string }>();
        for (const item of items) {
          if (typeof item === "object" && !Buffer.isBuffer(item)) {
            const id = `☃g${nextId++}`;
            commands.set(id, item);
            raw.send({ id, cmd: item.cmd, data: item.data });
          } else raw.send(item);
          frames++;
        }
        const pingId = `☃p${nextId++}`;
        raw.send({ id: pingId, cmd: "ping" });
        const pong = await raw.waitFor((f) => f.re === pingId, "the ping's reply", 10_000, from);
        expect(pong).toEqual({ re: pingId, ok: true, data: { serverTime: expect.any(String) } });
        // Every command gets exactly one reply, to its id.
        await until(
          () => [...commands.keys()].every((id) => raw.frames.some((f, i) => i >= from && f.re === id)),
          "a reply to every command",
          10_000,
          2,
        );
        for (const frame of raw.frames.slice(from)) {
          if ("ev" in frame) {
            expect(eventNames.has(frame.ev), JSON.stringify(frame)).toBe(true);
            expect(frame).toHaveProperty("data");
            continue;
          }
          expect(typeof frame.ok, JSON.stringify(frame)).toBe("boolean");
          if (frame.ok) {
            expect(Object.keys(frame).sort()).toEqual(["data", "ok", "re"]);
            const sent = commands.get(frame.re);
            if (sent) {
              answered.add(sent.cmd);
              const parsed = COMMANDS[sent.cmd as CommandName].reply.safeParse(frame.data);
              expect(parsed.success, `${sent.cmd} reply ${JSON.stringify(frame.data)}`).toBe(true);
            }
          } else {
            expect(Object.keys(frame).sort()).toEqual(["error", "ok", "re"]);
            expect(codes.has(frame.error.code), JSON.stringify(frame)).toBe(true);
            expect(frame.error.code, JSON.stringify({ items, frame })).not.toBe("INTERNAL");
            expect(typeof frame.error.message).toBe("string");
            expect(typeof frame.re === "string" || typeof frame.re === "number" || frame.re === null).toBe(
              true,
            );
          }
        }
        for (const id of commands.keys())
          expect(
            raw.frames.slice(from).filter((f) => f.re === id),
            `replies to ${id}`,
          ).toHaveLength(1);
        expect(raw.open).toBe(true);
      }),
      { seed: Number(process.env.FUZZ_SEED ?? 20_261_121), numRuns: 600, endOnFailure: true },
    );
    expect(frames).toBeGreaterThan(2_000);
    console.info(`fuzz: ${frames} frames; answered ok: ${[...answered].sort().join(", ")}`);
    expect(answered.size).toBeGreaterThanOrEqual(8);
    await chat.chat();
    chat.close();
    raw.close();
    expect((await roomy.admin.get("/healthz")).status).toBe(200);
  }, 90_000);
});
