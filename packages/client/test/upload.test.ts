import { type HallwayClient, HallwayClientError } from "@hallway/client";
import type { ConversationSummary, Message } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import { pdf, png, windowsProgram } from "../../web/test/files.ts";
import { signedInClient } from "./people.ts";

/**
 * Uploads from Node with the SDK (Blob and File, FormData, fetch): upload, send with the
 * attachment, download through the signed link, and the refusals a person must be told about.
 */

let server: TestServer;
let ana: HallwayClient;
let ben: HallwayClient;
let direct: ConversationSummary;

beforeAll(async () => {
  server = await startTestServer();
  const admin = (await new Api(server.url).signInAdmin()).api;
  ana = await signedInClient(server, admin, "ana.lima");
  ben = await signedInClient(server, admin, "ben.okafor");
  await Promise.all([ana.connect(), ben.connect()]);
  direct = expectStatus(
    await new Api(server.url, ana.session!.accessToken).post("/api/v1/conversations/direct", {
      userId: ben.userId,
    }),
    201,
  );
});
afterAll(async () => {
  ana?.disconnect();
  ben?.disconnect();
  await server?.close();
});

describe("HallwayClient.upload", () => {
  it("uploads a picture and a PDF, sends them, and fetches them through signed links", async () => {
    const received: Message[] = [];
    ben.on("message.created", (m) => {
      if (m.conversationId === direct.id) received.push(m);
    });
    const picture = png(64, 48);
    const progress: number[] = [];
    const image = await ana.upload(direct.id, new Blob([picture], { type: "image/png" }), {
      name: "class-photo.png",
      onProgress: ({ loaded, total }) => progress.push(loaded / total),
    });
    expect(image.conversationId).toBe(direct.id);
    expect(image.attachment).toMatchObject({
      name: "class-photo.png",
      mime: "image/png",
      kind: "image",
      size: picture.length,
      width: 64,
      height: 48,
    });
    expect(progress.at(-1)).toBe(1);

    // A File (Node 20 has the global) keeps its own name.
    const document = pdf("Trip consent form");
    const file = await ana.upload(direct.id, new File([document], "consent form.pdf"));
    expect(file.attachment).toMatchObject({
      name: "consent form.pdf",
      mime: "application/pdf",
      kind: "file",
    });

    // No caption needed: the attachments are the message.
    const message = await ana.send(direct.id, "", {
      attachmentIds: [image.attachment.id, file.attachment.id],
    });
    expect(message.text).toBe("");
    expect(message.attachments.map((a) => a.name)).toEqual(["class-photo.png", "consent form.pdf"]);
    await expect.poll(() => received.map((m) => m.id)).toEqual([message.id]);
    expect(received[0]!.attachments.map((a) => a.id)).toEqual([image.attachment.id, file.attachment.id]);

    // Ben downloads both through signed links (absolute URLs), the same bytes.
    const link = await ben.attachmentLink(direct.id, image.attachment.id);
    expect(new URL(link.url).origin).toBe(server.url);
    const bytes = Buffer.from(await (await fetch(link.url)).arrayBuffer());
    expect(bytes.equals(picture)).toBe(true);
    expect(Date.parse(link.expiresAt)).toBeGreaterThan(Date.now());
    // Kept until shortly before it expires; `refresh` asks anew.
    expect(await ben.attachmentLink(direct.id, image.attachment.id)).toBe(link);
    const again = await ben.attachmentLink(direct.id, image.attachment.id, { refresh: true });
    expect(again).not.toBe(link);
    const pdfLink = await ben.attachmentLink(direct.id, file.attachment.id);
    const pdfBytes = Buffer.from(await (await fetch(pdfLink.url)).arrayBuffer());
    expect(pdfBytes.equals(document)).toBe(true);

    // An upload goes in one message only.
    await expect(ana.send(direct.id, "again", { attachmentIds: [file.attachment.id] })).rejects.toMatchObject(
      {
        code: "ATTACHMENT_ALREADY_SENT",
      },
    );
  });

  it("says why a file is refused", async () => {
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => {
          throw new Error("expected a refusal");
        },
        (error: HallwayClientError) => error,
      );
    const empty = await refusal(ana.upload(direct.id, new Blob([]), { name: "empty.txt" }));
    expect(empty).toBeInstanceOf(HallwayClientError);
    expect(empty).toMatchObject({ code: "FILE_EMPTY", status: 400 });
    const program = await refusal(ana.upload(direct.id, new Blob([windowsProgram()]), { name: "game.exe" }));
    expect(program).toMatchObject({ code: "FILE_TYPE_REFUSED", status: 415 });
    // Someone else's conversation does not exist for you.
    const elsewhere = await refusal(
      ana.upload("00000000-0000-4000-8000-000000000000", new Blob([png(4, 4)]), { name: "x.png" }),
    );
    expect(elsewhere).toMatchObject({ code: "CONVERSATION_NOT_FOUND", status: 404 });
  });

  it("can be cancelled", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      ana.upload(direct.id, new Blob([png(8, 8)]), { name: "x.png", signal: controller.signal }),
    ).rejects.toMatchObject({ code: "CLIENT_ABORTED" });
  });
});
