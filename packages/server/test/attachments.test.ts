import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { HallwayClientError } from "@hallway/client";
import type { ConversationSummary, Message } from "@hallway/protocol";
import pg from "pg";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signFileLink } from "../src/domain/files/file-links.ts";
import { Api, expectStatus } from "./api.ts";
import {
  compoundFile,
  filesUnder,
  INSTALLER_CLASS,
  multipartBody,
  pdf,
  photo,
  sha256,
  storedBytes,
  transparentPng,
  upload,
  WORD_CLASS,
  wav,
  windowsExecutable,
} from "./attachment-helpers.ts";
import { connectClient, eventually as until } from "./compliance-helpers.ts";
import {
  enrol,
  expectError,
  newClientId,
  queryDb,
  rawRequest,
  type SendMessageResult,
  type SignedIn,
  TRUSTED_SECRET,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { connect, eventually, holdConversationRow } from "./school-fixtures.ts";

/**
 * Attachments (issue 6, point 1): upload over multipart HTTP, type from the bytes, storage by
 * content, previews and durations, sending with `attachmentIds`, short-lived signed downloads
 * for members only, refusals that leave nothing behind, the daily quota, and the clean-up.
 *
 * Class 7A: Ms Rivera teaches Sam and Ada. Pat is Sam's parent and talks to Ms Rivera in a
 * direct conversation; Otto is Ada's parent and in none of it. Mr Quill (a teacher) runs into
 * the daily limit. The store is a folder of the test's own, so what the server kept can be
 * counted.
 */

const MAX_FILE = 1_500_000; // above Fastify's 1 MiB body limit, so the file limit is the one that counts
const DAILY = 3 * MAX_FILE;
const LINK_TTL = 120;

let server: TestServer;
let filesDir: string;
let admin: Api;
let people: Record<string, SignedIn>;
const p = (id: string) => people[id]!;
/** Ms Rivera and Pat. */
let direct: string;
/** Ms Rivera, Sam and Ada. */
let classGroup: string;

const VOICE_NOTE = readFileSync(new URL("fixtures/voice-note.webm", import.meta.url));
const VIDEO_CLIP = readFileSync(new URL("fixtures/video-clip.webm", import.meta.url));

beforeAll(async () => {
  filesDir = await mkdtemp(path.join(os.tmpdir(), "hallway-attachments-"));
  server = await startTestServer({
    HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET,
    FILES_DIR: filesDir,
    UPLOAD_MAX_FILE_BYTES: String(MAX_FILE),
    UPLOAD_DAILY_BYTES_PER_USER: String(DAILY),
    FILE_LINK_TTL_SECONDS: String(LINK_TTL),
  });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(server.url, admin, [
    { externalId: "rivera", role: "teacher", displayName: "Ms Rivera" },
    { externalId: "quill", role: "teacher", displayName: "Mr Quill" },
    { externalId: "sam", role: "student", displayName: "Sam" },
    { externalId: "ada", role: "student", displayName: "Ada" },
    { externalId: "pat", role: "parent", displayName: "Pat" },
    { externalId: "otto", role: "parent", displayName: "Otto" },
    { externalId: "gia", role: "guidance", displayName: "Ms Gia" },
  ]);
  expectStatus(
    await admin.post("/api/v1/directory/sync", {
      sections: [{ externalId: "7A", name: "Class 7A", teacherIds: ["rivera"], studentIds: ["sam", "ada"] }],
      guardians: [
        { parentId: "pat", studentIds: ["sam"] },
        { parentId: "otto", studentIds: ["ada"] },
      ],
    }),
    200,
  );
  direct = expectStatus<ConversationSummary>(
    await p("rivera").api.post("/api/v1/conversations/direct", { userId: p("pat").id }),
    201,
  ).id;
  classGroup = expectStatus<ConversationSummary>(
    await p("rivera").api.post("/api/v1/conversations", {
      name: "7A trip",
      memberIds: [p("sam").id, p("ada").id],
    }),
    201,
  ).id;
});
afterAll(async () => {
  await server?.close();
  await rm(filesDir, { recursive: true, force: true });
});

function uploadAs(as: SignedIn, conversationId: string, bytes: Uint8Array, name: string, type?: string) {
  return upload(server.url, as, conversationId, bytes, name, type);
}

async function uploaded(
  as: SignedIn,
  conversationId: string,
  bytes: Uint8Array,
  name: string,
  type?: string,
): Promise<any> {
  const res = await uploadAs(as, conversationId, bytes, name, type);
  if (res.status !== 201) throw new Error(`upload of ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.attachment;
}

function send(as: SignedIn, conversationId: string, body: { text?: string; attachmentIds?: string[] }) {
  return as.api.post<SendMessageResult>(`/api/v1/conversations/${conversationId}/messages`, {
    clientId: newClientId("att"),
    ...body,
  });
}

function linkAs(as: SignedIn, conversationId: string, attachmentId: string) {
  return as.api.get(`/api/v1/conversations/${conversationId}/attachments/${attachmentId}/link`);
}

async function linkOf(as: SignedIn, conversationId: string, attachmentId: string) {
  return expectStatus<{ url: string; thumbnailUrl: string | null; expiresAt: string }>(
    await linkAs(as, conversationId, attachmentId),
    200,
  );
}

async function download(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    headers: response.headers,
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

function json(bytes: Buffer): any {
  return JSON.parse(bytes.toString("utf8"));
}

/** What the server keeps: attachment rows and files in the store. */
async function kept(): Promise<{ rows: number; files: string[] }> {
  const [row] = await queryDb(server.databaseUrl, "SELECT count(*)::int AS n FROM attachments");
  return { rows: row.n, files: await filesUnder(filesDir) };
}

/** Runs `refuse` and checks that afterwards the server keeps exactly what it kept before. */
async function leavesNothing(refuse: () => Promise<void>): Promise<void> {
  const before = await kept();
  await refuse();
  // A cut-off upload is cleaned up after the answer: wait for it.
  await eventually(async () => expect(await kept()).toEqual(before));
}

/**
 * Watches the server's writer take sends (the real writer, untouched): the client ids in the
 * order they were queued, so a test knows when concurrent sends have all passed their checks.
 */
function watchWriter(hallway: TestServer["hallway"]) {
  const writer = hallway.ctx.writer;
  const queued: string[] = [];
  const send = writer.send.bind(writer);
  writer.send = (input) => {
    queued.push(input.clientId);
    return send(input);
  };
  return {
    queued,
    stop: () => {
      writer.send = send;
    },
  };
}

/** The messages of a conversation that carry an attachment, and who holds its row. */
async function holdersOf(conversationId: string, attachmentId: string) {
  const carriers = await queryDb<{ id: string; client_id: string }>(
    server.databaseUrl,
    "SELECT id, client_id FROM messages WHERE conversation_id = $1 AND attachments @> $2::jsonb",
    [conversationId, JSON.stringify([{ id: attachmentId }])],
  );
  const [row] = await queryDb<{ message_id: string | null }>(
    server.databaseUrl,
    "SELECT message_id FROM attachments WHERE id = $1",
    [attachmentId],
  );
  return { carriers, claimedBy: row?.message_id ?? null };
}

/**
 * Sends one upload from Ms Rivera through this server and through a second one on the same
 * database at once (the conversation is held until both statements wait for it, so neither
 * process has seen the other's claim), with the two client ids given; the answers in that order.
 */
async function sendOnTwoServers(conversationId: string, attachmentId: string, clientIds: [string, string]) {
  const other = await startTestServer(
    { HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET, FILES_DIR: filesDir, JOBS_ENABLED: "false" },
    server.databaseUrl,
  );
  try {
    const held = await holdConversationRow(server.databaseUrl, conversationId);
    let answers: Promise<{ status: number; body: any }>[];
    try {
      answers = [server.url, other.url].map((url, i) =>
        new Api(url, p("rivera").session.accessToken).post(
          `/api/v1/conversations/${conversationId}/messages`,
          {
            clientId: clientIds[i],
            attachmentIds: [attachmentId],
          },
        ),
      );
      await held.waitingWriters(2);
    } finally {
      await held.release();
    }
    return await Promise.all(answers);
  } finally {
    await other.close();
  }
}

describe("uploading and sending", () => {
  it("a photo: measured as it is shown, kept upright without its location, previewed, sent, and fetched by the parent", async () => {
    // Taken with the phone on its side: stored 640×480, shown 480×640 (EXIF orientation 6),
    // with the phone's make and the place it was taken in its EXIF.
    const bytes = await photo(640, 480, 6);
    expect((await sharp(bytes).metadata()).exif?.includes(Buffer.from("PhoneCo"))).toBe(true);
    const res = await uploadAs(
      p("rivera"),
      direct,
      bytes,
      "C:\\Users\\rivera\\Pictures\\Trip ✓.JPG",
      "image/jpeg",
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      attachment: {
        id: expect.any(String),
        name: "Trip ✓.JPG",
        mime: "image/jpeg",
        kind: "image",
        size: expect.any(Number),
        width: 480,
        height: 640,
        durationMs: null,
        hasThumbnail: true,
      },
      conversationId: direct,
      createdAt: expect.any(String),
    });
    const attachment = res.body.attachment;

    const sent = expectStatus(
      await send(p("rivera"), direct, { text: "Sam at the museum", attachmentIds: [attachment.id] }),
      201,
    ).message;
    expect(sent).toMatchObject({ kind: "image", text: "Sam at the museum", attachments: [attachment] });
    const history = expectStatus(await p("pat").api.get(`/api/v1/conversations/${direct}/messages`), 200);
    expect(history.messages.at(-1)).toMatchObject({ id: sent.id, kind: "image", attachments: [attachment] });

    const link = await linkOf(p("pat"), direct, attachment.id);
    const expiresIn = (Date.parse(link.expiresAt) - Date.now()) / 1000;
    expect(expiresIn).toBeGreaterThan(LINK_TTL - 10);
    expect(expiresIn).toBeLessThanOrEqual(LINK_TTL + 1);

    const original = await download(link.url);
    expect(original.status).toBe(200);
    // What was kept is the photo turned upright, with no EXIF at all: no place, no camera.
    expect(original.bytes.length).toBe(attachment.size);
    const kept = await sharp(original.bytes).metadata();
    expect([kept.format, kept.width, kept.height, kept.orientation]).toEqual(["jpeg", 480, 640, undefined]);
    expect(kept.exif).toBeUndefined();
    expect(original.bytes.includes(Buffer.from("PhoneCo"))).toBe(false);
    expect(original.headers.get("content-type")).toBe("image/jpeg");
    expect(original.headers.get("x-content-type-options")).toBe("nosniff");
    expect(original.headers.get("content-disposition")).toBe(
      `inline; filename="Trip _.JPG"; filename*=UTF-8''Trip%20%E2%9C%93.JPG`,
    );
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(original.headers.get("cache-control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(LINK_TTL - 10);
    expect(maxAge).toBeLessThanOrEqual(LINK_TTL);

    // The preview is small, upright (EXIF applied) and a JPEG like its photo.
    const preview = await download(link.thumbnailUrl!);
    expect(preview.status).toBe(200);
    expect(preview.headers.get("content-type")).toBe("image/jpeg");
    const meta = await sharp(preview.bytes).metadata();
    expect(meta.format).toBe("jpeg");
    expect([meta.width, meta.height]).toEqual([240, 320]);
    // Turned upright, the red half of the sensor is on top.
    const { data } = await sharp(preview.bytes).raw().toBuffer({ resolveWithObject: true });
    const top = data.subarray(0, 3);
    const bottom = data.subarray(data.length - 3);
    expect(top[0]).toBeGreaterThan(top[2]!);
    expect(bottom[2]).toBeGreaterThan(bottom[0]!);
  });

  it("a transparent PNG gets a PNG preview", async () => {
    const attachment = await uploaded(p("rivera"), classGroup, await transparentPng(900, 300), "diagram.png");
    expect(attachment).toMatchObject({ mime: "image/png", kind: "image", width: 900, height: 300 });
    expectStatus(await send(p("rivera"), classGroup, { attachmentIds: [attachment.id] }), 201);
    const link = await linkOf(p("sam"), classGroup, attachment.id);
    const preview = await download(link.thumbnailUrl!);
    expect(preview.headers.get("content-type")).toBe("image/png");
    const meta = await sharp(preview.bytes).metadata();
    expect([meta.format, meta.width, meta.height, meta.hasAlpha]).toEqual(["png", 320, 107, true]);
  });

  it("a WAV gets its duration, downloads as an attachment, and can be fetched in ranges", async () => {
    const bytes = wav(1.5);
    const attachment = await uploaded(p("rivera"), classGroup, bytes, "reading.wav", "audio/wav");
    expect(attachment).toMatchObject({
      name: "reading.wav",
      mime: "audio/wav",
      kind: "audio",
      durationMs: 1500,
      width: null,
      hasThumbnail: false,
    });
    const link = await linkOf(p("rivera"), classGroup, attachment.id);
    expect(link.thumbnailUrl).toBeNull();
    const whole = await download(link.url);
    expect(whole.headers.get("content-type")).toBe("audio/wav");
    expect(whole.headers.get("content-disposition")).toMatch(/^attachment; /);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");

    // A player seeking: a range from the middle, an open-ended one, the last bytes.
    const middle = await download(link.url, { range: "bytes=1000-1999" });
    expect(middle.status).toBe(206);
    expect(middle.headers.get("content-range")).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(middle.bytes.equals(bytes.subarray(1000, 2000))).toBe(true);
    const tail = await download(link.url, { range: `bytes=${bytes.length - 10}-` });
    expect(tail.bytes.equals(bytes.subarray(bytes.length - 10))).toBe(true);
    const suffix = await download(link.url, { range: "bytes=-44" });
    expect(suffix.bytes.equals(bytes.subarray(bytes.length - 44))).toBe(true);
    // HEAD tells the size without the bytes.
    const head = await fetch(link.url, { method: "HEAD" });
    expect([head.status, head.headers.get("content-length"), (await head.arrayBuffer()).byteLength]).toEqual([
      200,
      String(bytes.length),
      0,
    ]);
    // A range past the end (or several) gets the whole file.
    const past = await download(link.url, { range: `bytes=${bytes.length}-` });
    expect([past.status, past.bytes.length]).toEqual([200, bytes.length]);
  });

  it("a voice note as Chromium records it (audio/webm, which file-type calls video/webm) is audio with its duration", async () => {
    const attachment = await uploaded(p("sam"), classGroup, VOICE_NOTE, "voice-note", "audio/webm");
    expect(attachment).toMatchObject({ name: "voice-note.webm", mime: "audio/webm", kind: "audio" });
    expect(attachment.durationMs).toBeGreaterThan(1800);
    expect(attachment.durationMs).toBeLessThan(2100);
    const message = expectStatus(
      await send(p("sam"), classGroup, { attachmentIds: [attachment.id] }),
      201,
    ).message;
    expect(message).toMatchObject({ kind: "audio", text: "", attachments: [attachment] });
  });

  it("a PDF named like a program is a PDF: served as an attachment under a name that says so", async () => {
    const bytes = pdf("Permission slip");
    const attachment = await uploaded(
      p("rivera"),
      direct,
      bytes,
      "permission-slip.exe",
      "application/x-msdownload",
    );
    expect(attachment).toMatchObject({
      name: "permission-slip.exe.pdf",
      mime: "application/pdf",
      kind: "file",
    });
    const link = await linkOf(p("rivera"), direct, attachment.id);
    const file = await download(link.url);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/pdf");
    expect(file.headers.get("x-content-type-options")).toBe("nosniff");
    expect(file.headers.get("content-disposition")).toBe(
      `attachment; filename="permission-slip.exe.pdf"; filename*=UTF-8''permission-slip.exe.pdf`,
    );
    expect(file.bytes.equals(bytes)).toBe(true);
  });

  it("plain text and CSV are accepted when they are UTF-8; names lose paths and control characters", async () => {
    const notes = await uploaded(
      p("rivera"),
      direct,
      Buffer.from("Bring: lunch, hat, 5 €\n"),
      "../notes\u202Etxt.exe",
    );
    expect(notes).toMatchObject({ name: "notestxt.exe.txt", mime: "text/plain", kind: "file" });
    expectStatus(await send(p("rivera"), direct, { text: "The list", attachmentIds: [notes.id] }), 201);
    const link = await linkOf(p("pat"), direct, notes.id);
    const file = await download(link.url);
    expect(file.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(file.headers.get("content-disposition")).toMatch(/^attachment; /);

    const marks = await uploaded(
      p("rivera"),
      direct,
      Buffer.from("name,mark\nSam,A\n"),
      "marks.csv",
      "text/csv",
    );
    expect(marks).toMatchObject({ name: "marks.csv", mime: "text/csv", kind: "file" });
    const long = await uploaded(p("rivera"), direct, Buffer.from("x"), `${"é".repeat(300)}.txt`);
    expect([...long.name].length).toBe(200);
    expect(long.name.endsWith("é.txt")).toBe(true);
  });

  it("identical bytes are stored once", async () => {
    const bytes = await photo(64, 64);
    const before = await filesUnder(filesDir);
    const first = await uploaded(p("rivera"), classGroup, bytes, "same.jpg");
    const second = await uploaded(p("rivera"), direct, bytes, "same again.jpg");
    expect(first.id).not.toBe(second.id);
    const added = (await filesUnder(filesDir)).filter((f) => !before.includes(f));
    // The photo and its preview, once each.
    expect(added).toHaveLength(2);
    expect(added).toContain(path.join(sha256(bytes).slice(0, 2), sha256(bytes)));
    expect((await storedBytes(filesDir, sha256(bytes))).equals(bytes)).toBe(true);
  });

  it("has:image finds the photo message; has:audio the voice note", async () => {
    const search = async (q: string) =>
      expectStatus(
        await p("rivera").api.get(`/api/v1/search/messages?q=${encodeURIComponent(q)}`),
        200,
      ).results.map((r: { message: Message }) => r.message);
    expect((await search("museum has:image")).map((m: Message) => m.text)).toEqual(["Sam at the museum"]);
    expect((await search("has:audio")).map((m: Message) => m.kind)).toEqual(["audio"]);
  });
});

describe("sending attachments", () => {
  it("members see the message live on a WebSocket, and one who was offline gets it on resume", async () => {
    const ada = await connect(server.url, p("ada").session);
    const sam = await connect(server.url, p("sam").session);
    const warmUp = expectStatus(await send(p("rivera"), classGroup, { text: "Photos coming" }), 201).message;
    await eventually(() => expect(sam.client.position(classGroup)).toBe(warmUp.seq));
    sam.client.disconnect();

    const attachment = await uploaded(p("rivera"), classGroup, await photo(300, 200), "bus.jpg");
    const message = expectStatus(
      await send(p("rivera"), classGroup, { text: "On the bus", attachmentIds: [attachment.id] }),
      201,
    ).message;
    await eventually(() =>
      expect(
        ada.events.find((e) => e.ev === "message.created" && e.data.id === message.id)?.data,
      ).toMatchObject({
        kind: "image",
        attachments: [attachment],
      }),
    );
    ada.client.disconnect();

    const replayed: Message[] = [];
    const back = await connectClient(server.url, p("sam").session, { [classGroup]: warmUp.seq }, (client) =>
      client.on("message.created", (m) => replayed.push(m as Message)),
    );
    await until(() => replayed.some((m) => m.id === message.id));
    expect(replayed.find((m) => m.id === message.id)).toMatchObject({
      kind: "image",
      attachments: [attachment],
    });
    back.disconnect();
  });

  it("an upload is sent once, by its uploader, in its conversation", async () => {
    const mine = await uploaded(p("rivera"), classGroup, wav(0.2), "once.wav");
    // Someone else's upload, and one of another conversation: not found, as an id that names nothing.
    expectError(await send(p("sam"), classGroup, { attachmentIds: [mine.id] }), 404, "ATTACHMENT_NOT_FOUND");
    expectError(await send(p("rivera"), direct, { attachmentIds: [mine.id] }), 404, "ATTACHMENT_NOT_FOUND");
    expectError(
      await send(p("rivera"), classGroup, { attachmentIds: [crypto.randomUUID()] }),
      404,
      "ATTACHMENT_NOT_FOUND",
    );
    expectStatus(await send(p("rivera"), classGroup, { attachmentIds: [mine.id] }), 201);
    expectError(
      await send(p("rivera"), classGroup, { attachmentIds: [mine.id] }),
      409,
      "ATTACHMENT_ALREADY_SENT",
    );
  });

  it("two sends naming one upload at once (a double tap, two devices): one message takes it, the other is ATTACHMENT_ALREADY_SENT", async () => {
    const file = await uploaded(p("rivera"), classGroup, pdf("double tap"), "double-tap.pdf");
    const device = await connect(server.url, p("rivera").session);
    const [first, second] = [newClientId("tap-1"), newClientId("tap-2")];
    // The conversation's row is held, so both sends pass their checks before either commits.
    const held = await holdConversationRow(server.databaseUrl, classGroup);
    const watch = watchWriter(server.hallway);
    const overRest = p("rivera").api.post<SendMessageResult>(`/api/v1/conversations/${classGroup}/messages`, {
      clientId: first,
      text: "Permission slip",
      attachmentIds: [file.id],
    });
    const overSocket = device.client
      .request("message.send", {
        conversationId: classGroup,
        clientId: second,
        text: "Permission slip",
        attachmentIds: [file.id],
      })
      .then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    try {
      await eventually(() => expect(watch.queued).toHaveLength(2));
    } finally {
      watch.stop();
      await held.release();
    }
    const [rest, socket] = await Promise.all([overRest, overSocket]);
    device.client.disconnect();

    // The send the writer took first wins; the other is refused with nothing stored.
    const winner = watch.queued[0]!;
    const loser = watch.queued[1]!;
    const won =
      winner === first ? rest.body.message : (socket as { result: { message: Message } }).result.message;
    if (winner === first) {
      expect(socket.ok).toBe(false);
      const error = (socket as { error: unknown }).error;
      expect(error).toBeInstanceOf(HallwayClientError);
      expect(error).toMatchObject({ code: "ATTACHMENT_ALREADY_SENT", details: { attachmentId: file.id } });
    } else {
      expectError(rest, 409, "ATTACHMENT_ALREADY_SENT");
      expect(rest.body).toMatchObject({ error: { details: { attachmentId: file.id } } });
    }
    expect(won).toMatchObject({ clientId: winner, attachments: [file] });
    expect(await holdersOf(classGroup, file.id)).toEqual({
      carriers: [{ id: won.id, client_id: winner }],
      claimedBy: won.id,
    });
    const [stored] = await queryDb(
      server.databaseUrl,
      "SELECT count(*)::int AS n FROM messages WHERE client_id = ANY($1)",
      [[first, second]],
    );
    expect(stored.n).toBe(1);

    // The winner's retry is a duplicate; the loser's is refused again; the log has no gap.
    const retry = await p("rivera").api.post<SendMessageResult>(
      `/api/v1/conversations/${classGroup}/messages`,
      {
        clientId: winner,
        text: "Permission slip",
        attachmentIds: [file.id],
      },
    );
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ duplicate: true, message: { id: won.id } });
    expectError(
      await p("rivera").api.post(`/api/v1/conversations/${classGroup}/messages`, {
        clientId: loser,
        text: "Permission slip",
        attachmentIds: [file.id],
      }),
      409,
      "ATTACHMENT_ALREADY_SENT",
    );
    const next = expectStatus(await send(p("rivera"), classGroup, { text: "Due Friday" }), 201).message;
    expect(next.seq).toBe(won.seq + 1);
  });

  it("two servers sending one upload at once: one message takes it, the other is ATTACHMENT_ALREADY_SENT", async () => {
    const file = await uploaded(p("rivera"), direct, pdf("two servers"), "two-servers.pdf");
    const answers = await sendOnTwoServers(direct, file.id, [newClientId("here"), newClientId("there")]);
    expect(answers.map((a) => a.status).sort(), JSON.stringify(answers.map((a) => a.body))).toEqual([
      201, 409,
    ]);
    expectError(answers.find((a) => a.status === 409)!, 409, "ATTACHMENT_ALREADY_SENT");
    const won = answers.find((a) => a.status === 201)!.body.message as Message;
    expect(await holdersOf(direct, won.attachments[0]!.id)).toEqual({
      carriers: [{ id: won.id, client_id: won.clientId }],
      claimedBy: won.id,
    });
    const retry = await p("rivera").api.post<SendMessageResult>(`/api/v1/conversations/${direct}/messages`, {
      clientId: won.clientId,
      attachmentIds: [file.id],
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ duplicate: true, message: { id: won.id } });
  });

  it("a retry racing its first attempt on another server is a duplicate, not ATTACHMENT_ALREADY_SENT", async () => {
    const file = await uploaded(p("rivera"), direct, pdf("retry race"), "retry-race.pdf");
    const clientId = newClientId("reconnected");
    const answers = await sendOnTwoServers(direct, file.id, [clientId, clientId]);
    expect(answers.map((a) => a.status).sort(), JSON.stringify(answers.map((a) => a.body))).toEqual([
      200, 201,
    ]);
    const [first, retry] = [answers.find((a) => a.status === 201)!, answers.find((a) => a.status === 200)!];
    expect(retry.body).toMatchObject({ duplicate: true, message: { id: first.body.message.id } });
    expect((await holdersOf(direct, file.id)).carriers).toHaveLength(1);
  });

  it("an upload not sent within a day cannot be sent any more", async () => {
    const late = await uploaded(p("rivera"), classGroup, wav(0.1), "late.wav");
    await queryDb(
      server.databaseUrl,
      "UPDATE attachments SET created_at = now() - interval '25 hours' WHERE id = $1",
      [late.id],
    );
    expectError(
      await send(p("rivera"), classGroup, { attachmentIds: [late.id] }),
      404,
      "ATTACHMENT_NOT_FOUND",
    );
  });

  it("a forwarded photo is a new attachment over the same stored bytes, for the target's members", async () => {
    const bytes = await photo(90, 60);
    const original = await uploaded(p("rivera"), classGroup, bytes, "forward-me.jpg");
    const message = expectStatus(
      await send(p("rivera"), classGroup, { attachmentIds: [original.id] }),
      201,
    ).message;
    const before = await filesUnder(filesDir);
    const forwarded = expectStatus(
      await p("rivera").api.post(`/api/v1/conversations/${classGroup}/messages/${message.id}/forward`, {
        targetConversationId: direct,
        clientId: newClientId("fwd"),
      }),
      201,
    ).message;
    expect(forwarded).toMatchObject({
      kind: "image",
      attachments: [{ ...original, id: expect.any(String) }],
    });
    const copy = forwarded.attachments[0];
    expect(copy.id).not.toBe(original.id);
    expect(await filesUnder(filesDir)).toEqual(before);
    // Pat is in the target, not the source: the copy is his to fetch, the original is not.
    const link = await linkOf(p("pat"), direct, copy.id);
    expect((await download(link.url)).bytes.equals(bytes)).toBe(true);
    expectError(await linkAs(p("pat"), classGroup, original.id), 404, "CONVERSATION_NOT_FOUND");
  });

  it("a photo and a PDF together make a file message", async () => {
    const image = await uploaded(p("rivera"), classGroup, await photo(50, 50), "a.jpg");
    const doc = await uploaded(p("rivera"), classGroup, pdf("b"), "b.pdf");
    const message = expectStatus(
      await send(p("rivera"), classGroup, { attachmentIds: [image.id, doc.id] }),
      201,
    ).message;
    expect(message.kind).toBe("file");
    expect(message.attachments.map((a: { id: string }) => a.id)).toEqual([image.id, doc.id]);
  });
});

describe("who may upload and download", () => {
  it("only those who may post there upload: not a stranger, not a student in the school-wide group", async () => {
    const bytes = await photo(40, 40);
    const stranger = await uploadAs(p("otto"), classGroup, bytes, "x.jpg");
    const nowhere = await uploadAs(p("otto"), crypto.randomUUID(), bytes, "x.jpg");
    expectError(stranger, 404, "CONVERSATION_NOT_FOUND");
    expect(stranger.body).toEqual(nowhere.body);
    const primary = expectStatus(await p("sam").api.get("/api/v1/conversations"), 200).conversations.find(
      (c: ConversationSummary) => c.kind === "primary",
    ).id;
    expectError(await uploadAs(p("sam"), primary, bytes, "x.jpg"), 403, "FORBIDDEN");
  });

  it("a link is for members; another family's parent is told the conversation does not exist", async () => {
    const attachment = await uploaded(p("rivera"), direct, pdf("Report"), "report.pdf");
    expectStatus(await send(p("rivera"), direct, { attachmentIds: [attachment.id] }), 201);
    await linkOf(p("pat"), direct, attachment.id);
    const otto = await linkAs(p("otto"), direct, attachment.id);
    const nowhere = await linkAs(p("otto"), crypto.randomUUID(), attachment.id);
    expectError(otto, 404, "CONVERSATION_NOT_FOUND");
    expect(otto.body).toEqual(nowhere.body);
    // Through a conversation Otto is in, the id names nothing either.
    const ottoDirect = expectStatus<ConversationSummary>(
      await p("otto").api.post("/api/v1/conversations/direct", { userId: p("rivera").id }),
      201,
    ).id;
    const elsewhere = await linkAs(p("otto"), ottoDirect, attachment.id);
    expectError(elsewhere, 404, "ATTACHMENT_NOT_FOUND");
    expect(elsewhere.body).toEqual((await linkAs(p("otto"), ottoDirect, crypto.randomUUID())).body);
  });

  it("those who review a conversation from outside (moderators, supervisors) get links, each one audited", async () => {
    const attachment = await uploaded(p("rivera"), classGroup, await photo(40, 30), "reported.jpg");
    const message = expectStatus(
      await send(p("rivera"), classGroup, { attachmentIds: [attachment.id] }),
      201,
    ).message;
    // Ms Gia (guidance) is not in the group but moderates everywhere.
    const link = await linkOf(p("gia"), classGroup, attachment.id);
    expect((await download(link.url)).status).toBe(200);
    const audited = await queryDb(
      server.databaseUrl,
      "SELECT actor_id, target_id, details FROM audit_log WHERE action = 'attachment.viewed' ORDER BY id",
    );
    expect(audited).toEqual([
      {
        actor_id: p("gia").id,
        target_id: message.id,
        details: { conversationId: classGroup, attachmentId: attachment.id, as: "moderator" },
      },
    ]);
    // Members' links are not audited; a teacher outside the group gets nothing.
    await linkOf(p("sam"), classGroup, attachment.id);
    expectError(await linkAs(p("quill"), classGroup, attachment.id), 404, "CONVERSATION_NOT_FOUND");
    // An upload not sent yet stays its uploader's alone, reviewers included.
    const draft = await uploaded(p("rivera"), classGroup, await photo(30, 30), "draft2.jpg");
    expectError(await linkAs(p("gia"), classGroup, draft.id), 404, "ATTACHMENT_NOT_FOUND");
    expect(
      await queryDb(
        server.databaseUrl,
        "SELECT count(*)::int AS n FROM audit_log WHERE action = 'attachment.viewed'",
      ),
    ).toEqual([{ n: 1 }]);
  });

  it("an upload not sent yet is its uploader's alone", async () => {
    const draft = await uploaded(p("rivera"), direct, await photo(30, 30), "draft.jpg");
    await linkOf(p("rivera"), direct, draft.id);
    const pat = await linkAs(p("pat"), direct, draft.id);
    expectError(pat, 404, "ATTACHMENT_NOT_FOUND");
    expect(pat.body).toEqual((await linkAs(p("pat"), direct, crypto.randomUUID())).body);
  });

  it("a deleted message's attachment can no longer be fetched, even with a link from before", async () => {
    const attachment = await uploaded(p("rivera"), direct, await photo(30, 30), "oops.jpg");
    const message = expectStatus(
      await send(p("rivera"), direct, { attachmentIds: [attachment.id] }),
      201,
    ).message;
    const link = await linkOf(p("pat"), direct, attachment.id);
    expect((await download(link.url)).status).toBe(200);
    expectStatus(await p("rivera").api.delete(`/api/v1/conversations/${direct}/messages/${message.id}`), 200);
    expectError(await linkAs(p("pat"), direct, attachment.id), 404, "ATTACHMENT_NOT_FOUND");
    expectError(await linkAs(p("rivera"), direct, attachment.id), 404, "ATTACHMENT_NOT_FOUND");
    for (const url of [link.url, link.thumbnailUrl!]) {
      const gone = await download(url);
      expect([gone.status, json(gone.bytes).error.code]).toEqual([404, "ATTACHMENT_NOT_FOUND"]);
    }
  });

  it("a forged, altered, expired or other-variant link is LINK_INVALID", async () => {
    const attachment = await uploaded(p("rivera"), direct, await photo(30, 30), "signed.jpg");
    const link = await linkOf(p("rivera"), direct, attachment.id);
    const url = new URL(link.url);
    const exp = Number(url.searchParams.get("exp"));
    const sig = url.searchParams.get("sig")!;
    const at = (pathname: string, query: Record<string, string>) =>
      `${url.origin}${pathname}?${new URLSearchParams(query)}`;
    const original = `/files/${attachment.id}/original`;
    const thumbnail = `/files/${attachment.id}/thumbnail`;
    const flipped = sig.slice(0, 10) + (sig[10] === "A" ? "B" : "A") + sig.slice(11);

    // The secret every server process shares is in the database; with it, a test can sign.
    const [row] = await queryDb(
      server.databaseUrl,
      "SELECT value FROM school_settings WHERE key = 'file_link_secret'",
    );
    const secret = Buffer.from(row.value.secret, "base64");
    const now = Math.floor(Date.now() / 1000);
    const signed = (variant: "original" | "thumbnail", expiresAt: number) =>
      at(`/files/${attachment.id}/${variant}`, {
        exp: String(expiresAt),
        sig: signFileLink(secret, { attachmentId: attachment.id, variant, expiresAt }),
      });
    expect((await download(signed("original", now + 60))).status).toBe(200);

    const invalid: [string, string][] = [
      ["forged", at(original, { exp: String(exp), sig: "A".repeat(43) })],
      ["another signature", at(original, { exp: String(exp), sig: flipped })],
      ["a later expiry", at(original, { exp: String(exp + 3600), sig })],
      ["the other variant", at(thumbnail, { exp: String(exp), sig })],
      ["another attachment", at(`/files/${crypto.randomUUID()}/original`, { exp: String(exp), sig })],
      ["expired", signed("original", now - 1)],
      ["no signature", at(original, { exp: String(exp) })],
      ["no expiry", at(original, { sig })],
      ["a variant that is none", at(`/files/${attachment.id}/x`, { exp: String(exp), sig })],
      ["an id that is none", at("/files/not-an-id/original", { exp: String(exp), sig })],
      ["a huge expiry", at(original, { exp: "9".repeat(40), sig })],
      ["two signatures", `${link.url}&sig=${sig}`],
    ];
    // A path under /files that names no download is the API's 404, never the web app's page.
    const stray = await download(`${url.origin}/files/${attachment.id}`, { accept: "text/html" });
    expect([stray.status, json(stray.bytes).error.code]).toEqual([404, "ROUTE_NOT_FOUND"]);
    for (const [label, bad] of invalid) {
      const res = await download(bad);
      expect({ label, status: res.status, code: json(res.bytes).error.code }).toEqual({
        label,
        status: 403,
        code: "LINK_INVALID",
      });
    }
  });
});

describe("refusals leave nothing behind", () => {
  it("a file over the limit is FILE_TOO_LARGE, whether its size is declared or streamed", async () => {
    const big = Buffer.alloc(MAX_FILE + 1, 0x41);
    await leavesNothing(async () => {
      const res = await uploadAs(p("rivera"), direct, big, "big.txt");
      expectError(res, 413, "FILE_TOO_LARGE");
      expect(res.body.error.details).toEqual({ maxBytes: MAX_FILE });
    });
    // Streamed (chunked, no Content-Length): the server counts as it reads.
    await leavesNothing(async () => {
      const boundary = "hallway-big";
      const body = multipartBody(boundary, [{ name: "file", filename: "big.txt", content: big }]);
      const stream = new ReadableStream({
        start(controller) {
          for (let at = 0; at < body.length; at += 64 * 1024)
            controller.enqueue(body.subarray(at, at + 64 * 1024));
          controller.close();
        },
      });
      const res = await fetch(`${server.url}/api/v1/conversations/${direct}/attachments`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${p("rivera").session.accessToken}`,
          "content-type": `multipart/form-data; boundary=${boundary}`,
        },
        body: stream,
        duplex: "half",
      } as RequestInit);
      expect([res.status, ((await res.json()) as any).error.code]).toEqual([413, "FILE_TOO_LARGE"]);
    });
    // Exactly at the limit is fine.
    const atLimit = await uploaded(p("quill"), await quillGroup(), Buffer.alloc(MAX_FILE, 0x42), "full.txt");
    expect(atLimit.size).toBe(MAX_FILE);
  });

  it("an empty file is FILE_EMPTY", async () => {
    await leavesNothing(async () => {
      const res = await uploadAs(p("rivera"), direct, Buffer.alloc(0), "empty.txt");
      expectError(res, 400, "FILE_EMPTY");
    });
  });

  it("programs, SVG, archives, video and unknown binary are FILE_TYPE_REFUSED, whatever their name", async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60)]);
    const cases: [string, Buffer, string, string][] = [
      [
        "a Windows program named as homework",
        windowsExecutable(),
        "homework.pdf",
        "application/x-msdownload",
      ],
      [
        "an SVG",
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        "logo.png",
        "image/svg+xml",
      ],
      [
        "an SVG with an XML declaration",
        Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
        "logo.svg",
        "application/xml",
      ],
      ["a shell script", Buffer.from("#!/bin/sh\nrm -rf ~\n"), "notes.txt", "text/x-script"],
      ["a video", VIDEO_CLIP, "clip.webm", "video/webm"],
      [
        "random bytes",
        Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) % 251)),
        "data.bin",
        "application/octet-stream",
      ],
      ["text with a NUL", Buffer.from("abc\0def"), "a.txt", "application/octet-stream"],
      ["Latin-1 text", Buffer.from("caf\xe9", "latin1"), "a.txt", "application/octet-stream"],
      ["a half-written PNG", (await transparentPng(40, 40)).subarray(0, 60), "cut.png", "image/png"],
    ];
    for (const [label, bytes, name, detected] of cases) {
      await leavesNothing(async () => {
        const res = await uploadAs(p("rivera"), direct, bytes, name);
        expect({
          label,
          status: res.status,
          code: res.body.error?.code,
          detected: res.body.error?.details?.detected,
        }).toEqual({
          label,
          status: 415,
          code: "FILE_TYPE_REFUSED",
          detected,
        });
      });
    }
    // A ZIP that is not an Office document.
    await leavesNothing(async () =>
      expectError(await uploadAs(p("rivera"), direct, zip, "a.docx"), 415, "FILE_TYPE_REFUSED"),
    );
  });

  it("old Office files are accepted by their name, but an installer renamed to one is refused by its class", async () => {
    const word = expectStatus(
      await uploadAs(p("rivera"), direct, compoundFile(WORD_CLASS), "letter.doc"),
      201,
    );
    expect(word.attachment).toMatchObject({ mime: "application/msword", kind: "file", name: "letter.doc" });
    // Office files written by other programs often carry no class: still accepted by name.
    expectStatus(await uploadAs(p("rivera"), direct, compoundFile(new Uint8Array(16)), "marks.xls"), 201);
    for (const name of ["setup.doc", "setup.xls", "setup.ppt", "setup.msi"])
      await leavesNothing(async () => {
        const res = await uploadAs(p("rivera"), direct, compoundFile(INSTALLER_CLASS), name);
        expectError(res, 415, "FILE_TYPE_REFUSED");
        expect({ name, detected: res.body.error.details.detected }).toEqual({
          name,
          detected: name.endsWith(".msi") ? "application/x-cfb" : "application/x-msi",
        });
      });
  });

  it("an image with more pixels than Hallway decodes is refused before decoding", async () => {
    await leavesNothing(async () => {
      const res = await uploadAs(p("rivera"), direct, pixelBombPng(20_000, 20_000), "bomb.png");
      expectError(res, 413, "FILE_TOO_LARGE");
      expect(res.body.error.details).toMatchObject({ maxPixels: 100_000_000, width: 20_000, height: 20_000 });
    });
  });

  it("a body cut off mid-file is FILE_TRUNCATED: the connection closing early, or the multipart never ending", async () => {
    const boundary = "hallway-cut";
    const body = multipartBody(boundary, [{ name: "file", filename: "cut.wav", content: wav(1) }]);
    await leavesNothing(async () => {
      const answer = await halfClosedUpload(direct, boundary, body.subarray(0, body.length / 2), body.length);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)).error.code).toBe("FILE_TRUNCATED");
    });
    await leavesNothing(async () => {
      const res = await rawRequest(server.url, {
        method: "POST",
        path: `/api/v1/conversations/${direct}/attachments`,
        headers: {
          authorization: `Bearer ${p("rivera").session.accessToken}`,
          "content-type": `multipart/form-data; boundary=${boundary}`,
        },
        body: multipartBody(boundary, [{ name: "file", filename: "cut.wav", content: wav(1) }], false),
      });
      expectError(res, 400, "FILE_TRUNCATED");
    });
  });

  it("a body cut off while the upload is still being signed in is FILE_TRUNCATED too", async () => {
    const boundary = "hallway-cut-early";
    const body = multipartBody(boundary, [{ name: "file", filename: "early.wav", content: wav(1) }]);
    // Sign-in reads the session: holding its table makes the body end before the handler runs.
    const blocker = new pg.Client({ connectionString: server.databaseUrl });
    await blocker.connect();
    try {
      await leavesNothing(async () => {
        await blocker.query("BEGIN");
        await blocker.query("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE");
        const answer = await halfClosedUpload(
          direct,
          boundary,
          body.subarray(0, body.length / 2),
          body.length,
        );
        await blocker.query("COMMIT");
        expect(answer).toMatch(/^HTTP\/1\.1 400 /);
        expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)).error.code).toBe("FILE_TRUNCATED");
      });
    } finally {
      await blocker.query("ROLLBACK").catch(() => {});
      await blocker.end();
    }
  });

  it("a body that is not one file part gets a clear error", async () => {
    const boundary = "hallway-parts";
    const post = (body: Buffer | string, contentType = `multipart/form-data; boundary=${boundary}`) =>
      rawRequest(server.url, {
        method: "POST",
        path: `/api/v1/conversations/${direct}/attachments`,
        headers: { authorization: `Bearer ${p("rivera").session.accessToken}`, "content-type": contentType },
        body,
      });
    await leavesNothing(async () => {
      expectError(
        await post(
          multipartBody(boundary, [
            { name: "file", filename: "a.txt", content: "one" },
            { name: "file", filename: "b.txt", content: "two" },
          ]),
        ),
        400,
        "VALIDATION_FAILED",
      );
      expectError(
        await post(multipartBody(boundary, [{ name: "note", content: "no file" }])),
        400,
        "VALIDATION_FAILED",
      );
      expectError(await post("not multipart at all", "multipart/form-data"), 400, "VALIDATION_FAILED");
      expectError(await post('{"file":"x"}', "application/json"), 415, "UNSUPPORTED_MEDIA_TYPE");
    });
    // Small fields beside the file are fine.
    const res = await post(
      multipartBody(boundary, [
        { name: "caption", content: "ignored" },
        { name: "file", filename: "with-fields.txt", content: "hello" },
      ]),
    );
    expect(res.status).toBe(201);
  });

  it("the daily quota: uploads past it are UPLOAD_QUOTA_EXCEEDED until a day has passed", async () => {
    const quill = p("quill");
    const group = await quillGroup();
    // Quill already uploaded one full file (the size test); two more fit, the next does not.
    for (const n of [1, 2]) await uploaded(quill, group, Buffer.alloc(MAX_FILE, 0x40 + n), `part-${n}.txt`);
    await leavesNothing(async () => {
      const res = await uploadAs(quill, group, Buffer.from("one byte too many"), "more.txt");
      expectError(res, 429, "UPLOAD_QUOTA_EXCEEDED");
      expect(res.body.error.details).toEqual({ quotaBytes: DAILY, usedBytes: 3 * MAX_FILE });
    });
    // Others are not affected; a day later Quill may upload again.
    await uploaded(p("rivera"), group, Buffer.from("fine"), "fine.txt");
    await queryDb(
      server.databaseUrl,
      "UPDATE attachments SET created_at = created_at - interval '25 hours' WHERE uploader_id = $1",
      [quill.id],
    );
    await uploaded(quill, group, Buffer.from("next day"), "next-day.txt");
  });

  it("forwarded copies are not uploads: they leave the day's quota as it was", async () => {
    const quill = p("quill");
    const group = await quillGroup();
    // After the test above, Quill's last 24 hours hold one small upload.
    const [{ bytes: before }] = await queryDb(
      server.databaseUrl,
      "SELECT coalesce(sum(size), 0)::int AS bytes FROM attachments WHERE uploader_id = $1 AND created_at > now() - interval '24 hours'",
      [quill.id],
    );
    const worksheet = await uploaded(quill, group, Buffer.alloc(MAX_FILE, 0x51), "worksheet.txt");
    const message = expectStatus(await send(quill, group, { attachmentIds: [worksheet.id] }), 201).message;
    for (const n of [1, 2])
      expectStatus(
        await quill.api.post(`/api/v1/conversations/${group}/messages/${message.id}/forward`, {
          targetConversationId: group,
          clientId: newClientId(`fwd-${n}`),
        }),
        201,
      );
    // Counted, the two copies would have filled the quota; uncounted, one more full file fits.
    await uploaded(quill, group, Buffer.alloc(MAX_FILE, 0x52), "answers.txt");
    // One byte more than what is left of the day's allowance.
    const res = await uploadAs(
      quill,
      group,
      Buffer.alloc(DAILY - 2 * MAX_FILE - before + 1, 0x53),
      "more.txt",
    );
    expectError(res, 429, "UPLOAD_QUOTA_EXCEEDED");
    expect(res.body.error.details).toEqual({ quotaBytes: DAILY, usedBytes: before + 2 * MAX_FILE });
  });
});

describe("clean-up", () => {
  it("the hourly job removes uploads never sent after a day, blobs nothing refers to, and staged leftovers", async () => {
    const keep = await uploaded(p("rivera"), classGroup, await photo(20, 20), "keep.jpg");
    expectStatus(await send(p("rivera"), classGroup, { attachmentIds: [keep.id] }), 201);
    const shared = await photo(21, 21);
    const sentCopy = await uploaded(p("rivera"), classGroup, shared, "shared.jpg");
    expectStatus(await send(p("rivera"), classGroup, { attachmentIds: [sentCopy.id] }), 201);
    const unsentCopy = await uploaded(p("rivera"), direct, shared, "shared again.jpg");
    const forgotten = await uploaded(p("rivera"), direct, await photo(22, 22), "forgotten.jpg");
    const fresh = await uploaded(p("rivera"), direct, await photo(23, 23), "fresh.jpg");
    await queryDb(
      server.databaseUrl,
      "UPDATE attachments SET created_at = now() - interval '26 hours' WHERE id = ANY($1::uuid[])",
      [[keep.id, sentCopy.id, unsentCopy.id, forgotten.id]],
    );
    const [forgottenRow] = await queryDb(
      server.databaseUrl,
      "SELECT storage_key, thumbnail_key FROM attachments WHERE id = $1",
      [forgotten.id],
    );
    // A blob a crash left without its row, and a staged file of an upload that never finished.
    const hours = (n: number) => new Date(Date.now() - n * 3600 * 1000);
    const orphan = "ab".padEnd(64, "c");
    await mkdir(path.join(filesDir, "ab"), { recursive: true });
    await writeFile(path.join(filesDir, "ab", orphan), "lost");
    await utimes(path.join(filesDir, "ab", orphan), hours(2), hours(2));
    await writeFile(path.join(filesDir, "tmp", "crashed.part"), "half");
    await utimes(path.join(filesDir, "tmp", "crashed.part"), hours(2), hours(2));

    await server.hallway.jobs!.runNow("attachments.clean_up");

    const ids = (await queryDb(server.databaseUrl, "SELECT id FROM attachments")).map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([keep.id, sentCopy.id, fresh.id]));
    expect(ids).not.toContain(unsentCopy.id);
    expect(ids).not.toContain(forgotten.id);
    const files = await filesUnder(filesDir);
    const blob = (key: string) => path.join(key.slice(0, 2), key);
    expect(files).toContain(blob(sha256(shared)));
    expect(files).not.toContain(blob(forgottenRow.storage_key));
    expect(files).not.toContain(blob(forgottenRow.thumbnail_key));
    expect(files).not.toContain(blob(orphan));
    expect(files).not.toContain(path.join("tmp", "crashed.part"));
    // Every blob left is one a row refers to.
    const keys = await queryDb(server.databaseUrl, "SELECT storage_key, thumbnail_key FROM attachments");
    const referenced = new Set(
      keys
        .flatMap((k) => [k.storage_key, k.thumbnail_key])
        .filter(Boolean)
        .map(blob),
    );
    expect(files.filter((f) => !f.startsWith("tmp")).every((f) => referenced.has(f))).toBe(true);
    // The day-old upload can no longer be sent either way.
    expectError(
      await send(p("rivera"), direct, { attachmentIds: [forgotten.id] }),
      404,
      "ATTACHMENT_NOT_FOUND",
    );
  });

  it("retention deletes old messages' attachments and their files, keeping files a newer message shares", async () => {
    const shared = pdf("Timetable");
    const old = await uploaded(p("rivera"), classGroup, shared, "timetable.pdf");
    const oldMessage = expectStatus(
      await send(p("rivera"), classGroup, { attachmentIds: [old.id] }),
      201,
    ).message;
    const oldPhoto = await uploaded(p("rivera"), classGroup, await photo(25, 25), "old.jpg");
    const photoMessage = expectStatus(
      await send(p("rivera"), classGroup, { attachmentIds: [oldPhoto.id] }),
      201,
    ).message;
    const newer = await uploaded(p("rivera"), direct, shared, "timetable again.pdf");
    expectStatus(await send(p("rivera"), direct, { attachmentIds: [newer.id] }), 201);
    const [photoRow] = await queryDb(
      server.databaseUrl,
      "SELECT storage_key, thumbnail_key FROM attachments WHERE id = $1",
      [oldPhoto.id],
    );
    await queryDb(
      server.databaseUrl,
      "UPDATE messages SET created_at = now() - interval '40 days' WHERE id = ANY($1::uuid[])",
      [[oldMessage.id, photoMessage.id]],
    );
    expectStatus(await admin.put("/api/v1/settings/retention", { days: 30 }), 200);

    await server.hallway.jobs!.runNow("retention.apply");

    const ids = (await queryDb(server.databaseUrl, "SELECT id FROM attachments")).map((r) => r.id);
    expect(ids).not.toContain(old.id);
    expect(ids).not.toContain(oldPhoto.id);
    expect(ids).toContain(newer.id);
    const files = await filesUnder(filesDir);
    const blob = (key: string) => path.join(key.slice(0, 2), key);
    expect(files).toContain(blob(sha256(shared)));
    expect(files).not.toContain(blob(photoRow.storage_key));
    expect(files).not.toContain(blob(photoRow.thumbnail_key));
    const newerLink = await linkOf(p("pat"), direct, newer.id);
    expect((await download(newerLink.url)).bytes.equals(shared)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

let quillGroupId: string | undefined;

/** A group of Mr Quill's, for the quota tests. */
async function quillGroup(): Promise<string> {
  quillGroupId ??= expectStatus<ConversationSummary>(
    await p("quill").api.post("/api/v1/conversations", {
      name: "Quill's files",
      memberIds: [p("rivera").id],
    }),
    201,
  ).id;
  return quillGroupId;
}

/** A PNG that declares a huge canvas in a few hundred bytes (a "pixel bomb"). */
function pixelBombPng(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * Starts an upload over a raw socket, declaring `declaredLength` bytes, sends `sent`, then
 * half-closes: the client has stopped sending but still listens. Resolves with the raw answer.
 */
function halfClosedUpload(
  conversationId: string,
  boundary: string,
  sent: Buffer,
  declaredLength: number,
): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let answer = "";
    socket.on("data", (data) => {
      answer += data.toString("utf8");
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.write(
      `POST /api/v1/conversations/${conversationId}/attachments HTTP/1.1\r\nHost: ${hostname}\r\n` +
        `Authorization: Bearer ${p("rivera").session.accessToken}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${declaredLength}\r\n\r\n`,
    );
    socket.write(sent, () => setTimeout(() => socket.end(), 50));
  });
}
