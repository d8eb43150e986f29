import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import {
  type AudioElement,
  type Browser,
  FAKE_MICROPHONE,
  fileTransfer,
  openBrowser,
  type PictureElement,
  screenshotOnFailure,
  signIn,
} from "./browser.ts";
import { pdf, png, windowsProgram } from "./files.ts";
import { PASSWORD, type Person, teacherAndParent } from "./school.ts";

/**
 * Files in the browser, between a teacher and a parent: the paperclip, a drop on the chat and
 * a paste; upload progress; refusals said in words (a type the school does not accept, a file
 * too big); a picture as a thumbnail that opens in full, a PDF as a card that downloads, a
 * voice note recorded with the (fake) microphone and played on the other side; and a browser
 * whose microphone is refused.
 */

/** The school's limit for one file in this test: small, so "too big" is quick to reach. */
const MAX_FILE_BYTES = 2_000_000;

let server: TestServer;
let teacher: Person;
let parent: Person;
let teacherBrowser: Browser;
let parentBrowser: Browser;

beforeAll(async () => {
  server = await startTestServer({ UPLOAD_MAX_FILE_BYTES: String(MAX_FILE_BYTES) });
  const admin = (await new Api(server.url).signInAdmin()).api;
  ({ teacher, parent } = await teacherAndParent(admin));
  const { api } = await new Api(server.url).signIn(teacher.username, PASSWORD);
  expectStatus(await api.post("/api/v1/conversations/direct", { userId: parent.id }), 201);
  [teacherBrowser, parentBrowser] = await Promise.all([
    openBrowser({ args: FAKE_MICROPHONE }),
    // The parent's browser has a microphone, but Hallway is not allowed to use it.
    openBrowser({ args: ["--use-fake-device-for-media-stream"] }),
  ]);
});

afterAll(async () => {
  await Promise.all([teacherBrowser?.close(), parentBrowser?.close()]);
  await server?.close();
});

const log = (page: Page) => page.getByRole("log");
const message = (page: Page, text: string) => log(page).locator(".message", { hasText: text });
const uploads = (page: Page) => page.getByRole("list", { name: "Files to send" });
const upload = (page: Page, name: string) => uploads(page).getByRole("listitem").filter({ hasText: name });

/** Whether an <img> has loaded a real picture. */
function loaded(image: Locator): Promise<boolean> {
  return image.evaluate((img: PictureElement) => img.complete && img.naturalWidth > 0);
}

describe("attachments in the browser", () => {
  it("uploads by button, drop and paste, shows progress and refusals, previews and downloads", {
    timeout: 120_000,
  }, async () => {
    const t = teacherBrowser.page;
    const p = parentBrowser.page;
    screenshotOnFailure({ teacher: t, parent: p });
    await Promise.all([
      signIn(t, server.url, teacher.username, PASSWORD),
      signIn(p, server.url, parent.username, PASSWORD),
    ]);
    await t.getByRole("link", { name: /Claire Martin/ }).click();
    await p.getByRole("link", { name: /Amal Haddad/ }).click();
    const box = t.getByLabel("Message Claire Martin");
    await box.waitFor();

    // The paperclip: a photo and a PDF at once, each uploaded as soon as it is chosen.
    const photo = png(640, 480);
    const readingList = pdf("Reading list for the holidays");
    const [chooser] = await Promise.all([
      t.waitForEvent("filechooser"),
      t.getByRole("button", { name: "Attach files" }).click(),
    ]);
    await chooser.setFiles([
      { name: "class-photo.png", mimeType: "image/png", buffer: photo },
      { name: "reading-list.pdf", mimeType: "application/pdf", buffer: readingList },
    ]);
    await upload(t, "class-photo.png").getByText("Ready to send").waitFor();
    await upload(t, "reading-list.pdf").getByText("Ready to send").waitFor();
    expect(await upload(t, "reading-list.pdf").textContent()).toContain("PDF document");
    await box.fill("Our class photo and the reading list");
    await box.press("Enter");
    await expect.poll(() => uploads(t).count()).toBe(0);

    // The parent gets a thumbnail and a file card; the picture opens in full, Escape closes it.
    const received = message(p, "Our class photo");
    const thumbnail = received.getByRole("img", { name: "class-photo.png" });
    await thumbnail.waitFor();
    await expect.poll(() => loaded(thumbnail)).toBe(true);
    const card = received.locator(".file-card", { hasText: "reading-list.pdf" });
    expect(await card.locator(".file-details").textContent()).toBe(
      `PDF document · ${readingList.length} bytes`,
    );
    await received.getByRole("button", { name: "Open photo class-photo.png" }).click();
    const viewer = p.getByRole("dialog", { name: "Photo class-photo.png" });
    const full = viewer.getByRole("img", { name: "class-photo.png" });
    await expect.poll(() => loaded(full)).toBe(true);
    expect(await full.evaluate((img: PictureElement) => img.naturalWidth)).toBe(640);
    await p.keyboard.press("Escape");
    await viewer.waitFor({ state: "hidden" });
    await p.getByRole("heading", { name: "Amal Haddad" }).waitFor(); // still in the chat
    // The card downloads the PDF, byte for byte.
    const [download] = await Promise.all([p.waitForEvent("download"), card.click()]);
    expect(download.suggestedFilename()).toBe("reading-list.pdf");
    const saved = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(readingList)).toBe(true);

    // Refusals are said on the file: a program, and a file over the school's limit.
    await t.locator('[data-testid="composer-files"]').setInputFiles([
      { name: "game.exe", mimeType: "application/octet-stream", buffer: windowsProgram() },
      {
        name: "huge-scan.pdf",
        mimeType: "application/pdf",
        buffer: Buffer.concat([pdf("Scan"), Buffer.alloc(MAX_FILE_BYTES + 1000, 0x20)]),
      },
    ]);
    await upload(t, "game.exe")
      .getByRole("alert")
      .filter({ hasText: "game.exe can't be sent: the school doesn't accept this type of file" })
      .waitFor();
    await upload(t, "huge-scan.pdf")
      .getByRole("alert")
      .filter({ hasText: "huge-scan.pdf is too big: files can be up to 2 MB." })
      .waitFor();
    expect(await uploads(t).getByRole("button", { name: "Try again" }).count()).toBe(0);
    expect(await t.getByRole("button", { name: "Send message" }).isDisabled()).toBe(true);
    await t.getByRole("button", { name: "Remove game.exe" }).click();
    await t.getByRole("button", { name: "Remove huge-scan.pdf" }).click();
    await expect.poll(() => uploads(t).count()).toBe(0);

    // Progress: on a slow line the bar moves before the file is ready.
    const cdp = await teacherBrowser.context.newCDPSession(t);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 250_000,
    });
    await t.locator('[data-testid="composer-files"]').setInputFiles({
      name: "worksheet.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.concat([pdf("Worksheet"), Buffer.alloc(900_000, 0x20)]),
    });
    const bar = t.getByRole("progressbar", { name: "Uploading worksheet.pdf" });
    await bar.waitFor();
    await expect
      .poll(async () => Number(await bar.getAttribute("value")), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await upload(t, "worksheet.pdf").getByText("Ready to send").waitFor({ timeout: 20_000 });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await t.getByRole("button", { name: "Remove worksheet.pdf" }).click();

    // A drop on the chat: the notice while dragging, then the file uploads.
    const drop = await fileTransfer(t, {
      name: "timetable.pdf",
      type: "application/pdf",
      bytes: pdf("Timetable"),
    });
    const zone = t.locator(".chat .drop-zone");
    await zone.dispatchEvent("dragenter", { dataTransfer: drop });
    await t.getByText("Drop files to send them to Claire Martin").waitFor();
    await zone.dispatchEvent("drop", { dataTransfer: drop });
    await t.getByText("Drop files to send them to Claire Martin").waitFor({ state: "detached" });
    await upload(t, "timetable.pdf").getByText("Ready to send").waitFor();
    // A paste in the message box: a screenshot from the clipboard.
    const pasted = await fileTransfer(t, { name: "image.png", type: "image/png", bytes: png(320, 200) });
    await box.evaluate((element, clipboardData) => {
      const { ClipboardEvent } = globalThis as unknown as {
        ClipboardEvent: new (type: string, init: object) => Event;
      };
      element.dispatchEvent(new ClipboardEvent("paste", { clipboardData, bubbles: true, cancelable: true }));
    }, pasted);
    await upload(t, "image.png").getByText("Ready to send").waitFor();
    // Files alone, no caption.
    await t.getByRole("button", { name: "Send message" }).click();
    const filesOnly = log(p)
      .locator(".message")
      .filter({ has: p.locator(".file-card", { hasText: "timetable.pdf" }) });
    await filesOnly.getByRole("img", { name: "image.png" }).waitFor();
    expect(await filesOnly.locator(".text").count()).toBe(0);

    // A voice note: record, see the time go by, stop, send; the parent can play it.
    await t.getByRole("button", { name: "Record a voice note" }).click();
    await t.getByRole("status").filter({ hasText: "Recording voice note" }).waitFor();
    const timer = t.getByRole("timer", { name: "Recorded so far" });
    await expect.poll(() => timer.textContent(), { timeout: 5_000 }).toBe("0:02");
    await t.getByRole("button", { name: "Stop", exact: true }).click();
    const note = uploads(t)
      .getByRole("listitem")
      .filter({ hasText: /Voice note · 0:0[2-3]/ });
    await note.getByText("Ready to send").waitFor();
    await t.getByRole("button", { name: "Send message" }).click();
    const voice = log(p).locator(".audio-attachment", { hasText: "Voice note" });
    await voice.waitFor();
    const player = voice.locator("audio");
    await expect
      .poll(() => player.evaluate((audio: AudioElement) => audio.readyState >= 1 && !audio.error))
      .toBe(true);

    // The parent refuses the microphone: she is told what to do, nothing is recorded.
    await p.getByRole("button", { name: "Record a voice note" }).click();
    await p
      .getByRole("alert")
      .filter({
        hasText: "Hallway may not use your microphone. Allow it for this site in your browser's settings",
      })
      .waitFor();
    expect(await p.getByRole("timer").count()).toBe(0);
  });
});
