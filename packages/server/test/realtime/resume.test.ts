import type { Message } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anotherSession,
  createGroup,
  createUsers,
  messagesInDb,
  openDirect,
  RawClient,
  type RealtimeServer,
  record,
  sdkClient,
  sleep,
  startRealtimeServer,
  type TestClient,
  type TestUser,
  uniqueName,
  until,
} from "./helpers.ts";

/**
 * "Messages went missing after a reconnect" is the complaint every chat system gets first.
 * These tests take clients away, kill their sockets and retry their sends, then compare what
 * each one received with the database, message by message.
 */

let server: RealtimeServer;
beforeAll(async () => {
  // Bursts of sends from one socket are the point here; the rate limit has its own tests.
  server = await startRealtimeServer({ WS_RATE_PER_SECOND: "10000", WS_RATE_BURST: "10000" });
});
afterAll(() => server?.close());

/** What an SDK client showed the app, per conversation: the seqs of message.created, in order. */
function logOf(client: TestClient): Map<string, Message[]> {
  const log = new Map<string, Message[]>();
  client.on("message.created", (message) => {
    let list = log.get(message.conversationId);
    if (!list) {
      list = [];
      log.set(message.conversationId, list);
    }
    list.push(message);
  });
  return log;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** The database's log per conversation. */
async function dbLog(): Promise<Map<string, Array<{ seq: number; clientId: string | null; text: string }>>> {
  const byConversation = new Map<string, Array<{ seq: number; clientId: string | null; text: string }>>();
  for (const row of await messagesInDb(server)) {
    let list = byConversation.get(row.conversation_id);
    if (!list) {
      list = [];
      byConversation.set(row.conversation_id, list);
    }
    list.push({ seq: row.seq, clientId: row.client_id, text: row.body });
  }
  return byConversation;
}

describe("resume", () => {
  it("a client away while 1,000 messages go to 20 of its conversations gets every one exactly once, in order, without fetching history", async () => {
    const [reader, writer] = await createUsers(server, [uniqueName("reader"), uniqueName("writer")]);
    const conversations: string[] = [];
    for (let i = 0; i < 20; i++) conversations.push(await createGroup(writer!, [reader!], `Class ${i}`));

    const client = sdkClient(server, reader!.session);
    await client.connect();
    const before = new Map(conversations.map((id) => [id, client.position(id)]));
    expect([...before.values()]).toEqual(conversations.map(() => 1)); // the "group created" notice
    client.disconnect();
    await until(() => !server.hallway.hub.connectionsByUser.has(reader!.id), "the reader to be gone");

    // 1,000 messages while the reader is away: 620 in one conversation (more than a catch-up
    // page) and 20 in each of the 19 others.
    const counts = conversations.map((_, i) => (i === 0 ? 620 : 20));
    const sender = await RawClient.connect(server, writer!.session.accessToken);
    const replies: Array<Promise<unknown>> = [];
    conversations.forEach((conversationId, i) => {
      for (let n = 1; n <= counts[i]!; n++)
        replies.push(
          sender.call("message.send", {
            conversationId,
            clientId: `away-${i}-${n}`,
            text: `conversation ${i} message ${n}`,
          }),
        );
    });
    await Promise.all(replies);
    sender.close();

    const log = logOf(client);
    const resumed = record(client, "resumed");
    await client.connect();
    // Everything missed arrives before the resume's reply, so it is all here already.
    expect(resumed).toHaveLength(1);
    const replayed = resumed[0]!.replayed;
    const db = await dbLog();
    conversations.forEach((id, i) => {
      const got = log.get(id) ?? [];
      expect(
        got.map((m) => m.seq),
        `seqs of conversation ${i}`,
      ).toEqual(range(2, counts[i]! + 1));
      // In the log's order, and the log holds every message sent, once.
      const stored = db.get(id)!.filter((m) => m.seq > 1);
      expect(got.map((m) => m.text)).toEqual(stored.map((m) => m.text));
      expect(new Set(stored.map((m) => m.text))).toEqual(
        new Set(range(1, counts[i]!).map((n) => `conversation ${i} message ${n}`)),
      );
      expect(replayed[id]).toBe(counts[i]);
      expect(client.unread.get(id)).toBe(counts[i]);
      expect(client.position(id)).toBe(counts[i]! + 1);
    });
    expect([...log.values()].flat()).toHaveLength(1_000);
    const commands = client.sockets.flatMap((s) => s.sent.map((text) => JSON.parse(text).cmd));
    expect(commands).not.toContain("history.fetch");
    client.disconnect();
  });

  it("a send retried after its acknowledgement was lost lands once", async () => {
    const [alice, bob] = await createUsers(server, [uniqueName("alice"), uniqueName("bob")]);
    const conversationId = await openDirect(alice!, bob!);
    const send = { conversationId, clientId: "retry-after-lost-ack-1", text: "Is the trip still on?" };

    // The frame reaches the server, but the socket is gone before the reply can be read.
    const first = await RawClient.connect(server, alice!.session.accessToken);
    first.ws.send(JSON.stringify({ id: "lost", cmd: "message.send", data: send }), () =>
      first.ws.terminate(),
    );
    await first.closed;
    expect(first.frames.some((f) => f.re === "lost")).toBe(false);
    await expect
      .poll(async () => (await messagesInDb(server)).filter((m) => m.client_id === send.clientId).length)
      .toBe(1);

    // The client does not know that and sends again with the same client id.
    const second = await RawClient.connect(server, alice!.session.accessToken);
    const reply = await second.call("message.send", send);
    expect(reply.duplicate).toBe(true);
    expect(reply.message).toMatchObject({ conversationId, seq: 1, text: send.text, clientId: send.clientId });
    const rows = (await messagesInDb(server)).filter((m) => m.conversation_id === conversationId);
    expect(rows.map((r) => [r.seq, r.client_id])).toEqual([[1, send.clientId]]);

    // The same id with another text is refused, not stored.
    const conflict = await second.request("message.send", { ...send, text: "Something else" });
    expect(conflict.error?.code).toBe("IDEMPOTENCY_CONFLICT");
    second.close();
  });

  it("a direct conversation opened while connected and written to while away is replayed on resume", async () => {
    const [me, teacher] = await createUsers(server, [uniqueName("parent"), uniqueName("teacher")]);
    const client = sdkClient(server, me!.session);
    await client.connect();
    const joined = record(client, "conversation.joined");
    const direct = await openDirect(teacher!, me!);
    await expect.poll(() => joined.map((j) => j.conversationId)).toEqual([direct]);

    client.disconnect();
    const sender = await RawClient.connect(server, teacher!.session.accessToken);
    for (const n of [1, 2])
      await sender.call("message.send", {
        conversationId: direct,
        clientId: `joined-${n}-x`,
        text: `note ${n}`,
      });
    sender.close();

    const log = logOf(client);
    await client.connect();
    expect((log.get(direct) ?? []).map((m) => m.text)).toEqual(["note 1", "note 2"]);
    expect(client.unread.get(direct)).toBe(2);
    client.disconnect();
  });

  it("two devices of one person both see everything, their own sends included", async () => {
    const [me, friend, third] = await createUsers(server, [
      uniqueName("two-devices"),
      uniqueName("friend"),
      uniqueName("third"),
    ]);
    const direct = await openDirect(me!, friend!);
    const group = await createGroup(friend!, [me!, third!], "Chess club");
    const phone = sdkClient(server, me!.session, { clientName: "phone", platform: "ios" });
    const laptop = sdkClient(server, await anotherSession(server, me!), {
      clientName: "laptop",
      platform: "web",
    });
    const other = sdkClient(server, friend!.session);
    await Promise.all([phone.connect(), laptop.connect(), other.connect()]);
    const logs = [logOf(phone), logOf(laptop), logOf(other)];

    const sends: Array<Promise<Message>> = [];
    for (let i = 0; i < 5; i++) {
      sends.push(
        phone.send(direct, `phone ${i}`),
        laptop.send(group, `laptop ${i}`),
        other.send(direct, `friend ${i}`),
      );
      sends.push(other.send(group, `friend group ${i}`), phone.send(group, `phone group ${i}`));
    }
    await Promise.all(sends);

    const db = await dbLog();
    const expected = (id: string, after: number) =>
      db
        .get(id)!
        .filter((m) => m.seq > after)
        .map((m) => m.text);
    expect(expected(direct, 0)).toHaveLength(10);
    expect(expected(group, 1)).toHaveLength(15);
    for (const [i, log] of logs.entries()) {
      await expect
        .poll(() => (log.get(direct) ?? []).map((m) => m.text), { message: `direct on client ${i}` })
        .toEqual(expected(direct, 0));
      await expect
        .poll(() => (log.get(group) ?? []).map((m) => m.text), { message: `group on client ${i}` })
        .toEqual(expected(group, 1));
    }
    // Own sends are not unread, on either device; the friend's are.
    expect(phone.unread.get(direct)).toBe(5);
    expect(laptop.unread.get(direct)).toBe(5);
    for (const client of [phone, laptop, other]) client.disconnect();
  });

  it("killing sockets at random during a burst of sends loses nothing and repeats nothing", async () => {
    const names = ["chaos-a", "chaos-b", "chaos-c", "chaos-d"].map(uniqueName);
    const [a, b, c, d] = await createUsers(server, names);
    const group = await createGroup(a!, [b!, c!, d!], "Chaos");
    const ab = await openDirect(a!, b!);
    const cd = await openDirect(c!, d!);
    const ac = await openDirect(a!, c!);
    const memberOf = new Map<TestUser, string[]>([
      [a!, [group, ab, ac]],
      [b!, [group, ab]],
      [c!, [group, cd, ac]],
      [d!, [group, cd]],
    ]);
    const people = [a!, a!, b!, c!, d!]; // a has two devices
    const clients: TestClient[] = [];
    for (const [i, person] of people.entries()) {
      const session = i === 1 ? await anotherSession(server, person) : person.session;
      clients.push(sdkClient(server, session, { requestTimeoutMs: 5_000 }));
    }
    await Promise.all(clients.map((client) => client.connect()));
    const logs = clients.map(logOf);
    const start = clients.map(
      (client, i) => new Map(memberOf.get(people[i]!)!.map((id) => [id, client.position(id)!])),
    );

    // A chaos monkey: every few tens of milliseconds a socket dies, on the client's side or on
    // the server's.
    let chaos = true;
    let kills = 0;
    const monkey = (async () => {
      let n = 0;
      while (chaos) {
        await sleep(20 + ((n * 37) % 60));
        n++;
        if (n % 2 === 0) {
          const client = clients[n % clients.length]!;
          const socket = client.sockets.at(-1)?.socket;
          if (socket && socket.readyState === socket.OPEN) {
            socket.terminate();
            kills++;
          }
        } else {
          const all = [...server.hallway.hub.connectionsByUser.values()].flatMap((set) => [...set]);
          const victim = all[n % Math.max(1, all.length)];
          if (victim) {
            victim.socket.terminate();
            kills++;
          }
        }
      }
    })();

    // Each client sends 60 messages in waves over about two seconds, spread over its conversations.
    const sent: Array<{ client: number; conversationId: string; text: string; done: Promise<Message> }> = [];
    for (let wave = 0; wave < 12; wave++) {
      for (const [i, client] of clients.entries()) {
        const mine = memberOf.get(people[i]!)!;
        for (let k = 0; k < 5; k++) {
          const conversationId = mine[(wave + k) % mine.length]!;
          const text = `client ${i} wave ${wave} #${k}`;
          sent.push({ client: i, conversationId, text, done: client.send(conversationId, text) });
        }
      }
      await sleep(150);
    }
    const landed = await Promise.race([
      Promise.all(sent.map((s) => s.done)),
      sleep(60_000).then(() => {
        throw new Error(`sends still waiting: ${clients.map((c) => c.outboxSize).join(", ")}`);
      }),
    ]);
    chaos = false;
    await monkey;
    expect(kills).toBeGreaterThan(10);

    // The database: every send exactly once, where it was sent, as the client was told.
    const rows = (await messagesInDb(server)).filter(
      (r) => r.client_id !== null && r.body.startsWith("client "),
    );
    expect(rows).toHaveLength(sent.length);
    const byText = new Map(rows.map((r) => [r.body, r]));
    expect(byText.size).toBe(sent.length);
    for (const [i, s] of sent.entries()) {
      const row = byText.get(s.text)!;
      expect(row, s.text).toBeDefined();
      expect(row.conversation_id).toBe(s.conversationId);
      expect(landed[i]).toMatchObject({ text: s.text, seq: row.seq, conversationId: s.conversationId });
    }
    // A client's sends in one conversation keep their order (the outbox retries in order).
    for (const [i] of clients.entries()) {
      for (const id of memberOf.get(people[i]!)!) {
        const mine = sent.filter((s) => s.client === i && s.conversationId === id).map((s) => s.text);
        const stored = rows
          .filter((r) => r.conversation_id === id && mine.includes(r.body))
          .sort((x, y) => x.seq - y.seq)
          .map((r) => r.body);
        expect(stored, `order of client ${i}'s sends`).toEqual(mine);
      }
    }

    // Every client: each message of its conversations exactly once, in order, nothing lost.
    const db = await dbLog();
    for (const [i, client] of clients.entries()) {
      for (const id of memberOf.get(people[i]!)!) {
        const expected = db
          .get(id)!
          .filter((m) => m.seq > start[i]!.get(id)!)
          .map((m) => m.seq);
        await expect
          .poll(() => (logs[i]!.get(id) ?? []).map((m) => m.seq), { timeout: 20_000, message: `client ${i}` })
          .toEqual(expected);
        expect((logs[i]!.get(id) ?? []).map((m) => m.text)).toEqual(
          db
            .get(id)!
            .filter((m) => m.seq > start[i]!.get(id)!)
            .map((m) => m.text),
        );
      }
      // And no connection was ever sent a message twice or out of order.
      for (const [k, spied] of client.sockets.entries()) {
        const last = new Map<string, number>();
        for (const frame of spied.frames) {
          if (frame.ev !== "message.created") continue;
          const previous = last.get(frame.data.conversationId);
          if (previous !== undefined) expect(frame.data.seq, `client ${i} socket ${k}`).toBe(previous + 1);
          last.set(frame.data.conversationId, frame.data.seq);
        }
      }
    }
    for (const client of clients) client.disconnect();
  }, 120_000);
});
