import { randomUUID } from "node:crypto";
import type { Attachment, ConversationSummary, Message } from "@hallway/protocol";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WRITER_SESSION_OPTIONS } from "../src/postgres/database.ts";
import {
  MessageWriter,
  type MessageWriterOptions,
  type NewMessage,
  type WriteOutcome,
  writeBatch,
} from "../src/postgres/message-writer.ts";
import { NO_PUBLISHER } from "../src/realtime/event-publisher.ts";
import { Api, expectStatus } from "./api.ts";
import { pdf, upload } from "./attachment-helpers.ts";
import {
  enrol,
  newClientId,
  queryDb,
  type SendMessageResult,
  type SignedIn,
  TRUSTED_SECRET,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { holdConversationRow } from "./school-fixtures.ts";

/**
 * The batched writer answers a send from what it sent and the sequence number the statement
 * gave it, without reading the row back; its statement is prepared once per connection and
 * runs on a generic plan. A send of uploads is written only if it can claim them all, decided
 * in that statement. These tests pin down what that must not change.
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

async function uploaded(as: SignedIn, conversationId: string, name: string): Promise<Attachment> {
  const res = await upload(server.url, as, conversationId, pdf(name), name);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.attachment;
}

/** A send of uploads as send-message hands it to the writer once its checks have passed. */
function sendOf(
  as: SignedIn,
  conversationId: string,
  attachments: Attachment[],
  clientId = newClientId("w"),
) {
  return {
    conversationId,
    senderId: as.id,
    clientId,
    text: "",
    kind: "file",
    attachments,
  } satisfies NewMessage;
}

/** Sends in the same turn of the event loop: the writer takes them in one batch, in this order. */
function oneBatch(sends: NewMessage[]): Promise<WriteOutcome[]> {
  return Promise.all(sends.map((s) => server.hallway.ctx.writer.send(s)));
}

/** Which messages carry each attachment, and which message its row says holds it. */
async function holders(attachments: Attachment[]) {
  return queryDb(
    server.databaseUrl,
    `SELECT x.id, x.message_id AS "claimedBy",
       ARRAY(SELECT m.id FROM messages m WHERE m.attachments @> jsonb_build_array(jsonb_build_object('id', x.id))
             ORDER BY m.id) AS carriers
     FROM attachments x WHERE x.id = ANY($1) ORDER BY x.id`,
    [attachments.map((a) => a.id)],
  );
}

/** Tables some hash in the plan is built from: each would be read whole. */
function hashedTables(plan: string): string[] {
  const lines = plan.split("\n");
  const indent = (line: string) => line.search(/\S/);
  const found: string[] = [];
  for (const [at, line] of lines.entries()) {
    if (!/->\s+Hash\s+\(/.test(line)) continue;
    for (let below = at + 1; below < lines.length && indent(lines[below]!) > indent(line); below++) {
      const table = /Scan.* on (messages|members|conversations|attachments)\b/.exec(lines[below]!)?.[1];
      if (table) found.push(table);
    }
  }
  return found;
}

/** Scans of attachments that do not look rows up by id (the lock and the claim must). */
function scansNotByKey(plan: string): string[] {
  const lines = plan.split("\n");
  return lines.filter(
    (line, at) =>
      /Scan.* on (messages|members|conversations|attachments)\b/.test(line) &&
      !/(Index|Recheck) Cond: /.test(lines[at + 1] ?? ""),
  );
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

  it.each([
    ["a text", {}],
    // The fullest shape: uploads (locked and claimed), a thread reply and a flag.
    [
      "uploads, as a flagged thread reply",
      {
        attachments: [{ id: randomUUID(), kind: "file" } as Attachment],
        kind: "file" as const,
        parentId: randomUUID(),
        flagReason: "plan",
      },
    ],
  ])(
    "runs on a generic plan that only probes by key, whatever the tables held when it was made (%s)",
    async (_, extra) => {
      const id = await group(p("ada"), "Plan", [p("bo")]);
      const statement = writeBatch(
        [
          {
            conversationId: id,
            senderId: p("ada").id,
            clientId: newClientId("plan"),
            text: "plan",
            ...extra,
          },
        ],
        [randomUUID()],
        new Date(),
      );
      // The writer's own connection settings, on a connection of the test's.
      const client = new pg.Client({
        connectionString: server.databaseUrl,
        options: WRITER_SESSION_OPTIONS,
      });
      await client.connect();
      try {
        await client.query("BEGIN");
        await client.query("SET LOCAL plan_cache_mode = force_generic_plan");
        const { rows } = await client.query<{ "QUERY PLAN": string }>(
          `EXPLAIN ${statement.text}`,
          statement.values,
        );
        const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
        expect(plan).not.toMatch(/Seq Scan on (messages|members|conversations|attachments)\b/);
        expect(plan).not.toMatch(/Bitmap Heap Scan on (messages|members|conversations)\b/);
        expect(hashedTables(plan), plan).toEqual([]);
        expect(scansNotByKey(plan), plan).toEqual([]);
      } finally {
        await client.query("ROLLBACK");
        await client.end();
      }
    },
  );

  it("reports each batch's size and how long its statement took to commit on /metrics", async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${name} `));
      if (!line) throw new Error(`no ${name} in /metrics`);
      return Number(line.slice(name.length + 1));
    };
    const [batches, commits, slowest] = await Promise.all([
      metric("hallway_writer_batch_size_count"),
      metric("hallway_writer_commit_seconds_count"),
      metric('hallway_writer_commit_seconds_bucket{le="5"}'),
    ]);
    const id = await group(p("ada"), "Metrics", [p("bo")]);
    expectStatus(await send(p("ada"), id, "counted"), 201);
    expect(await metric("hallway_writer_batch_size_count")).toBe(batches + 1);
    expect(await metric("hallway_writer_commit_seconds_count")).toBe(commits + 1);
    expect(await metric('hallway_writer_commit_seconds_bucket{le="5"}')).toBe(slowest + 1);
    expect(await metric("hallway_writer_commit_seconds_sum")).toBeGreaterThan(0);
  });

  it("two sends in one batch naming the same upload: the first takes it, the second is ATTACHMENT_ALREADY_SENT", async () => {
    const id = await group(p("ada"), "One upload, two sends", [p("bo")]);
    const file = await uploaded(p("ada"), id, "worksheet.pdf");
    const [first, second] = [sendOf(p("ada"), id, [file]), sendOf(p("ada"), id, [file])];
    const [won, lost] = await oneBatch([first, second]);
    expect(won).toMatchObject({ ok: true, duplicate: false, message: { clientId: first.clientId } });
    expect(lost).toMatchObject({
      ok: false,
      error: { code: "ATTACHMENT_ALREADY_SENT", details: { attachmentId: file.id } },
    });
    const message = (won as { message: Message }).message;
    expect(await holders([file])).toEqual([{ id: file.id, claimedBy: message.id, carriers: [message.id] }]);
    const [row] = await queryDb(
      server.databaseUrl,
      `SELECT count(*) FILTER (WHERE sender_id = $2)::int AS sent, max(seq)::int AS top,
         (SELECT last_seq FROM conversations WHERE id = $1)::int AS last
       FROM messages WHERE conversation_id = $1`,
      [id, p("ada").id],
    );
    expect(row).toEqual({ sent: 1, top: message.seq, last: message.seq });

    // The winner's retry is the same send; the loser's is refused again.
    const [again, lostAgain] = await oneBatch([first, second]);
    expect(again).toMatchObject({ ok: true, duplicate: true, message: { id: message.id } });
    expect(lostAgain).toMatchObject({ ok: false, error: { code: "ATTACHMENT_ALREADY_SENT" } });
  });

  it("a send claims all its uploads or none: refused for one already sent, it leaves the others to a later send of the batch", async () => {
    const id = await group(p("ada"), "All or none", [p("bo")]);
    const [sent, free] = [await uploaded(p("ada"), id, "sent.pdf"), await uploaded(p("ada"), id, "free.pdf")];
    const [earlier] = await oneBatch([sendOf(p("ada"), id, [sent])]);
    const holder = (earlier as { message: Message }).message;
    // The first send of the batch names an upload that is already sent, as a send that passed
    // its check just before another committed: refused whole, it takes nothing.
    const [refused, plain, taker] = await oneBatch([
      sendOf(p("ada"), id, [free, sent]),
      { conversationId: id, senderId: p("ada").id, clientId: newClientId("plain"), text: "and a word" },
      sendOf(p("ada"), id, [free]),
    ]);
    expect(refused).toMatchObject({
      ok: false,
      error: { code: "ATTACHMENT_ALREADY_SENT", details: { attachmentId: sent.id } },
    });
    expect(plain).toMatchObject({ ok: true, message: { seq: holder.seq + 1 } });
    expect(taker).toMatchObject({ ok: true, message: { seq: holder.seq + 2, attachments: [free] } });
    const took = (taker as { message: Message }).message;
    expect(await holders([sent, free])).toEqual(
      [
        { id: sent.id, claimedBy: holder.id, carriers: [holder.id] },
        { id: free.id, claimedBy: took.id, carriers: [took.id] },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
  });

  it("an upload that is gone by the time its send is written is ATTACHMENT_NOT_FOUND, and nothing is stored", async () => {
    const id = await group(p("ada"), "Gone", [p("bo")]);
    const file = await uploaded(p("ada"), id, "gone.pdf");
    // The clean-up job removed it after the send's check.
    await queryDb(server.databaseUrl, "DELETE FROM attachments WHERE id = $1", [file.id]);
    const [outcome] = await oneBatch([sendOf(p("ada"), id, [file])]);
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: "ATTACHMENT_NOT_FOUND", details: { attachmentId: file.id } },
    });
    const [row] = await queryDb(
      server.databaseUrl,
      "SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND sender_id = $2",
      [id, p("ada").id],
    );
    expect(row.n).toBe(0);
  });
});

describe("the writer's batches in flight", () => {
  /** A writer of its own on a pool that counts the connections it has taken at once. */
  function countedWriter(options: MessageWriterOptions) {
    const pool = new pg.Pool({
      connectionString: server.databaseUrl,
      max: 2,
      options: WRITER_SESSION_OPTIONS,
    });
    const taken = { now: 0, most: 0 };
    pool.on("acquire", () => {
      taken.now++;
      taken.most = Math.max(taken.most, taken.now);
    });
    pool.on("release", () => taken.now--);
    return { writer: new MessageWriter(pool, NO_PUBLISHER, options), taken, close: () => pool.end() };
  }

  const text = (conversationId: string, words: string): NewMessage => ({
    conversationId,
    senderId: p("ada").id,
    clientId: newClientId("f"),
    text: words,
  });

  const seqOf = (outcome: WriteOutcome) => {
    if (!outcome.ok) throw outcome.error;
    return outcome.message.seq;
  };

  const settledWithin = (promise: Promise<unknown>, ms: number) =>
    Promise.race([promise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

  it("are one at a time while none is held up, and each conversation's sends keep their order", async () => {
    const classes: string[] = [];
    for (const name of ["Maths", "Art", "Music", "Drama"])
      classes.push(await group(p("ada"), name, [p("bo")]));
    const { writer, taken, close } = countedWriter({ connections: 2, heldUpAfterMs: 60_000 });
    try {
      // Each turn of the event loop sends to two classes, one of them not in the batch before.
      const sends: { conversationId: string; outcome: Promise<WriteOutcome> }[] = [];
      for (let round = 0; round < 12; round++) {
        for (const conversationId of [classes[round % 4]!, classes[(round + 1) % 4]!])
          sends.push({ conversationId, outcome: writer.send(text(conversationId, `round ${round}`)) });
        await new Promise((r) => setImmediate(r));
      }
      const seqs = await Promise.all(sends.map(async (s) => ({ ...s, seq: seqOf(await s.outcome) })));
      expect(taken.most).toBe(1);
      for (const id of classes) {
        // Numbered in the order sent, one after another.
        const numbers = seqs.filter((s) => s.conversationId === id).map((s) => s.seq);
        expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
      }
    } finally {
      await close();
    }
  });

  it("start beside one held up by a locked conversation, which holds up only that conversation", async () => {
    const [held, free] = [await group(p("ada"), "Held", [p("bo")]), await group(p("ada"), "Free", [p("bo")])];
    const { writer, taken, close } = countedWriter({ connections: 2, heldUpAfterMs: 50 });
    const { release } = await holdConversationRow(server.databaseUrl, held);
    try {
      const first = writer.send(text(held, "first"));
      await new Promise((r) => setTimeout(r, 150));
      const second = writer.send(text(held, "second"));
      const other = writer.send(text(free, "elsewhere"));
      // Group creation wrote message 1 (a system message) in each.
      expect(seqOf(await other)).toBe(2);
      expect(await settledWithin(first, 100)).toBe(false);
      expect(await settledWithin(second, 0)).toBe(false);
      await release();
      expect([seqOf(await first), seqOf(await second)]).toEqual([2, 3]);
      expect(taken.most).toBe(2);
      await writer.drain();
    } finally {
      await release().catch(() => {});
      await close();
    }
  });

  it("with one connection, wait behind a held-up batch, whatever their conversation", async () => {
    const [held, free] = [
      await group(p("ada"), "Held 1", [p("bo")]),
      await group(p("ada"), "Free 1", [p("bo")]),
    ];
    const { writer, close } = countedWriter({ connections: 1, heldUpAfterMs: 50 });
    const { release } = await holdConversationRow(server.databaseUrl, held);
    try {
      const first = writer.send(text(held, "first"));
      await new Promise((r) => setTimeout(r, 150));
      const other = writer.send(text(free, "elsewhere"));
      expect(await settledWithin(other, 300)).toBe(false);
      await release();
      expect([seqOf(await first), seqOf(await other)]).toEqual([2, 2]);
    } finally {
      await release().catch(() => {});
      await close();
    }
  });
});
