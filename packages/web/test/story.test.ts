import { HallwayClient } from "@hallway/client";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Api } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import {
  type Browser,
  FAKE_MICROPHONE,
  fileTransfer,
  openBrowser,
  type PictureElement,
  screenshotOnFailure,
  signIn,
} from "./browser.ts";
import { pdf, png } from "./files.ts";
import { classWithFamily, PASSWORD, type Person } from "./school.ts";

/**
 * The story, end to end in real browsers. A teacher sends a photo, a PDF and a voice
 * note to a group; students react and reply in a thread; the teacher edits one message and
 * deletes another; a parent who was offline meanwhile sees all of it when she is back; search
 * finds the message by a word, by its sender and with has:image.
 *
 * The group: the policy keeps parents out of students' section groups, and lets a parent
 * share a group only with her own children. So the teacher makes a group for the Martin twins'
 * science project with Chloe, Leo and their mother Claire: the closest setting in which a
 * parent sees students react and reply. Chloe and the teacher use browsers, Leo the SDK (his
 * phone), Claire a browser that goes offline and comes back.
 */

let server: TestServer;
let teacher: Person;
let chloe: Person;
let leo: Person;
let parent: Person;
let teacherBrowser: Browser;
let chloeBrowser: Browser;
let parentBrowser: Browser;
let leoPhone: HallwayClient;

const GROUP = "Science fair – Chloe and Leo";

beforeAll(async () => {
  server = await startTestServer();
  const admin = (await new Api(server.url).signInAdmin()).api;
  ({ teacher, chloe, leo, parent } = await classWithFamily(admin));
  [teacherBrowser, chloeBrowser, parentBrowser] = await Promise.all([
    openBrowser({ args: FAKE_MICROPHONE }),
    openBrowser(),
    openBrowser(),
  ]);
  leoPhone = new HallwayClient({ baseUrl: server.url, WebSocket: WebSocket as never, platform: "ios" });
  await leoPhone.signIn(leo.username, PASSWORD);
  await leoPhone.connect();
});

afterAll(async () => {
  leoPhone?.disconnect();
  await Promise.all([teacherBrowser?.close(), chloeBrowser?.close(), parentBrowser?.close()]);
  await server?.close();
});

const log = (page: Page) => page.getByRole("log", { name: `Messages in ${GROUP}` });
const message = (page: Page, text: string) => log(page).locator(".message", { hasText: text });
/** The message carrying this picture, or this file. */
const withPhoto = (page: Page, name: string) =>
  log(page)
    .locator(".message")
    .filter({ has: page.getByRole("img", { name }) });
const withFile = (page: Page, name: string) =>
  log(page)
    .locator(".message")
    .filter({ has: page.locator(".file-name", { hasText: name }) });

describe("the story", () => {
  it("a teacher shares files, students react and reply, a parent catches up, search finds it", {
    timeout: 180_000,
  }, async () => {
    const t = teacherBrowser.page;
    const c = chloeBrowser.page;
    const p = parentBrowser.page;
    screenshotOnFailure({ teacher: t, chloe: c, parent: p });
    await Promise.all([
      signIn(t, server.url, teacher.username, PASSWORD),
      signIn(c, server.url, chloe.username, PASSWORD),
      signIn(p, server.url, parent.username, PASSWORD),
    ]);

    // The teacher makes the group with the twins and their mother.
    await t.getByRole("button", { name: "New group" }).click();
    await t.getByLabel("Group name").fill(GROUP);
    await t.getByLabel("Add people").fill("Martin");
    for (const name of ["Chloe Martin", "Leo Martin", "Claire Martin"])
      await t.getByRole("checkbox", { name: new RegExp(name) }).check();
    await t.getByRole("button", { name: /Create group/ }).click();
    await t.getByRole("heading", { name: GROUP }).waitFor();

    // Claire opens it, then loses her connection (the bus, a tunnel) with the group on screen.
    await p.getByRole("link", { name: new RegExp(GROUP) }).click();
    await p.getByText("Amal Haddad created the group").waitFor();
    await parentBrowser.context.setOffline(true);
    await p.getByText("You're offline.").waitFor();

    // The teacher: a photo (paperclip), a PDF (dropped on the chat), a voice note, two texts.
    const box = t.getByLabel(`Message ${GROUP}`);
    const [chooser] = await Promise.all([
      t.waitForEvent("filechooser"),
      t.getByRole("button", { name: "Attach files" }).click(),
    ]);
    await chooser.setFiles({ name: "volcano.png", mimeType: "image/png", buffer: png(800, 600) });
    await t.getByText("Ready to send").waitFor();
    await box.fill("Your volcano looked great in class today");
    await box.press("Enter");
    await withPhoto(t, "volcano.png").and(t.locator('[data-status="stored"]')).waitFor();

    const drop = await fileTransfer(t, {
      name: "fair-rules.pdf",
      type: "application/pdf",
      bytes: pdf("Science fair rules"),
    });
    await t.locator(".chat .drop-zone").dispatchEvent("drop", { dataTransfer: drop });
    await t.getByText("Ready to send").waitFor();
    await box.fill("The fair's rules: please read them together");
    await box.press("Enter");
    await withFile(t, "fair-rules.pdf").and(t.locator('[data-status="stored"]')).waitFor();

    await t.getByRole("button", { name: "Record a voice note" }).click();
    await expect.poll(() => t.getByRole("timer").textContent(), { timeout: 5_000 }).toBe("0:02");
    await t.getByRole("button", { name: "Stop", exact: true }).click();
    await t.getByText("Ready to send").waitFor();
    await t.getByRole("button", { name: "Send message" }).click();
    await log(t).locator(".audio-attachment").waitFor();

    await box.fill("Posters are due on Friday");
    await box.press("Enter");
    await box.fill("Ignore the last photo, wrong class");
    await box.press("Enter");
    await message(t, "wrong class").and(t.locator('[data-status="stored"]')).waitFor();

    // Chloe reacts to the photo and replies in the PDF's thread; Leo, on his phone, too.
    await c.getByRole("link", { name: new RegExp(GROUP) }).click();
    const chloePhoto = withPhoto(c, "volcano.png");
    await chloePhoto.hover();
    await chloePhoto.getByRole("button", { name: "Add reaction" }).click();
    await c.getByRole("button", { name: "React with heart" }).click();
    await chloePhoto.locator('.reaction[aria-pressed="true"]').waitFor();
    const rules = withFile(c, "fair-rules.pdf");
    await rules.hover();
    await rules.getByRole("button", { name: "Reply in thread" }).click();
    await c
      .getByRole("textbox", { name: "Reply to this thread" })
      .fill("We read them, can we use a real flame?");
    await c.keyboard.press("Enter");
    const groupId = new URL(c.url()).hash.replace("#/c/", "");
    const history = await leoPhone.rest.request<{ messages: { id: string; text: string }[] }>(
      "GET",
      `/api/v1/conversations/${groupId}/messages`,
    );
    const byText = (text: string) => history.messages.find((m) => m.text.includes(text))!;
    await leoPhone.react(groupId, byText("volcano looked great").id, "👍", true);
    await leoPhone.send(groupId, "No flames, Chloe! Baking soda only", { parentId: byText("rules").id });
    await c.getByRole("complementary", { name: "Thread" }).getByText("No flames, Chloe!").waitFor();

    // The teacher changes the date and deletes the wrong message.
    const due = message(t, "Posters are due");
    await due.hover();
    await due.getByRole("button", { name: "Edit message" }).click();
    await t.getByRole("textbox", { name: "Edit message" }).fill("Posters are due on Thursday");
    await t.keyboard.press("Enter");
    await due.locator(".edited").waitFor();
    const wrong = message(t, "wrong class");
    const wrongSeq = await wrong.getAttribute("data-seq");
    await wrong.hover();
    await wrong.getByRole("button", { name: "Delete message" }).click();
    await t
      .getByRole("dialog", { name: "Delete your message?" })
      .getByRole("button", { name: "Delete" })
      .click();
    await log(t)
      .locator(`.message[data-seq="${wrongSeq}"] .tombstone`, { hasText: "This message was deleted" })
      .waitFor();

    // Claire is back: everything arrives in the open chat, as it is now.
    await parentBrowser.context.setOffline(false);
    await p.getByText("You're offline.").waitFor({ state: "hidden" });
    const photo = withPhoto(p, "volcano.png");
    await photo.getByRole("img", { name: "volcano.png" }).waitFor();
    await expect
      .poll(() =>
        photo.getByRole("img", { name: "volcano.png" }).evaluate((img: PictureElement) => img.naturalWidth),
      )
      .toBeGreaterThan(0);
    await expect.poll(() => photo.locator(".reaction").allTextContents()).toEqual(["❤️1", "👍1"]);
    const rulesForParent = withFile(p, "fair-rules.pdf");
    await rulesForParent.locator(".file-details", { hasText: "PDF document" }).waitFor();
    await rulesForParent.locator(".thread-summary", { hasText: "2 replies" }).waitFor();
    await log(p).locator(".audio-attachment", { hasText: "Voice note" }).locator("audio").waitFor();
    await message(p, "Posters are due on Thursday").locator(".edited").waitFor();
    expect(await message(p, "due on Friday").count()).toBe(0);
    await log(p)
      .locator(`.message[data-seq="${wrongSeq}"] .tombstone`, { hasText: "This message was deleted" })
      .waitFor();
    expect(await log(p).getByText("Ignore the last photo").count()).toBe(0);
    // The students' replies are in the thread, not in the timeline.
    expect(await message(p, "real flame").count()).toBe(0);
    await rulesForParent.locator(".thread-summary").click();
    const thread = p.getByRole("complementary", { name: "Thread" });
    await thread
      .locator(".message", { hasText: "can we use a real flame?" })
      .locator(".sender", { hasText: "Chloe Martin" })
      .waitFor();
    await thread
      .locator(".message", { hasText: "Baking soda only" })
      .locator(".sender", { hasText: "Leo Martin" })
      .waitFor();

    // Search: a word (the edited text is what is found), the sender, pictures.
    const search = p.getByRole("searchbox", { name: "Search messages" });
    const results = p.getByRole("list", { name: "Messages found" });
    const texts = () => results.locator(".message-hit-text").allTextContents();
    await search.fill("Thursday");
    await expect.poll(texts).toEqual(["Amal Haddad: Posters are due on Thursday"]);
    await search.fill("Friday");
    await p.getByRole("status").filter({ hasText: "No messages found." }).waitFor();
    await search.fill("from:leo.martin");
    await expect.poll(texts).toEqual(["Leo Martin: No flames, Chloe! Baking soda only"]);
    await search.fill("has:image");
    await expect.poll(texts).toEqual(["Amal Haddad: Photo Your volcano looked great in class today"]);
    await search.fill("from:amal.haddad volcano");
    await expect.poll(() => results.getByRole("link").count()).toBe(1);
    await search.fill("wrong class");
    await p.getByRole("status").filter({ hasText: "No messages found." }).waitFor();
  });
});
