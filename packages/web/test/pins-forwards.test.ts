import type { ConversationSummary } from "@hallway/protocol";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import {
  type Browser,
  isFocused,
  openBrowser,
  type PictureElement,
  screenshotOnFailure,
  signIn,
} from "./browser.ts";
import { png } from "./files.ts";
import { classWithFamily, PASSWORD, type Person } from "./school.ts";

/**
 * Pins, forwards and the markdown subset in the browser. Class 7B: Amal Haddad teaches Leo and
 * Chloe Martin; Claire Martin is their mother. The teacher pins and unpins, Leo sees the pinned
 * bar follow live and after a reconnect, and jumps to a pin far up the history; Leo has no pin
 * action in his teacher's class. Leo's photo is forwarded by the teacher to his mother, who
 * sees who wrote it and the picture; a forward the school does not allow says so. Markdown
 * shows as formatting, and HTML or a `javascript:` link stay inert text.
 */

let server: TestServer;
let admin: Api;
let teacher: Person;
let leo: Person;
let parent: Person;
let teacherApi: Api;
let classGroup: ConversationSummary;
let teacherBrowser: Browser;
let leoBrowser: Browser;
let parentBrowser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  admin = (await new Api(server.url).signInAdmin()).api;
  ({ teacher, leo, parent } = await classWithFamily(admin));
  teacherApi = (await new Api(server.url).signIn(teacher.username, PASSWORD)).api;
  const list = expectStatus<{ conversations: ConversationSummary[] }>(
    await teacherApi.get("/api/v1/conversations"),
    200,
  );
  classGroup = list.conversations.find((c) => c.name === "Class 7B")!;
  // The teacher and the mother have talked before: their direct conversation is in both lists.
  expectStatus(await teacherApi.post("/api/v1/conversations/direct", { userId: parent.id }), 201);
  [teacherBrowser, leoBrowser, parentBrowser] = await Promise.all([
    openBrowser(),
    openBrowser(),
    openBrowser(),
  ]);
});

afterAll(async () => {
  await Promise.all([teacherBrowser?.close(), leoBrowser?.close(), parentBrowser?.close()]);
  await server?.close();
});

const timeline = (page: Page, name = "Messages in Class 7B") => page.getByRole("log", { name });
const message = (page: Page, text: string, log?: string) =>
  timeline(page, log).locator(".message", { hasText: text });
const pinnedBar = (page: Page) => page.getByRole("region", { name: "Pinned messages" });
/** Hovers a message (its actions show on hover or focus) and clicks one of them. */
async function act(target: Locator, action: string) {
  await target.hover();
  await target.getByRole("button", { name: action, exact: true }).click();
}
/** Collects the page's alert(), confirm() and prompt() dialogs: none may ever open. */
function watchDialogs(pages: Page[]): string[] {
  const dialogs: string[] = [];
  for (const page of pages)
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });
  return dialogs;
}
async function sendAsTeacher(text: string, clientId: string) {
  return expectStatus(
    await teacherApi.post(`/api/v1/conversations/${classGroup.id}/messages`, { clientId, text }),
    201,
  );
}

describe("pins, forwards and markdown in the browser", () => {
  it("a teacher pins and unpins; her student sees the bar follow live and after a reconnect, and has no pin action", {
    timeout: 120_000,
  }, async () => {
    const t = teacherBrowser.page;
    const l = leoBrowser.page;
    screenshotOnFailure({ teacher: t, leo: l });
    const dialogs = watchDialogs([t, l]);
    await Promise.all([
      signIn(t, server.url, teacher.username, PASSWORD),
      signIn(l, server.url, leo.username, PASSWORD),
    ]);
    await t.getByRole("link", { name: /Class 7B/ }).click();
    await l.getByRole("link", { name: /Class 7B/ }).click();
    const box = t.getByLabel("Message Class 7B");
    await box.fill("Trip on Friday: bring a packed lunch");
    await box.press("Enter");
    const trip = message(t, "Trip on Friday");
    await trip.and(t.locator('[data-status="stored"]')).waitFor();
    await message(l, "Trip on Friday").waitFor();
    expect(await pinnedBar(l).isVisible()).toBe(false);

    // Leo may forward his teacher's message, not pin it.
    await message(l, "Trip on Friday").hover();
    await message(l, "Trip on Friday").getByRole("button", { name: "Forward message" }).waitFor();
    expect(
      await message(l, "Trip on Friday")
        .getByRole("button", { name: /Pin|Unpin/ })
        .count(),
    ).toBe(0);

    // The teacher pins it: marked on both screens, and Leo's bar says so.
    await act(trip, "Pin message");
    await trip.locator(".pinned-marker", { hasText: "Pinned" }).waitFor();
    await trip.getByRole("button", { name: "Unpin message" }).waitFor();
    await message(l, "Trip on Friday").locator(".pinned-marker").waitFor();
    const leoBar = pinnedBar(l);
    const toggle = leoBar.getByRole("button", { name: /1 pinned message/ });
    await toggle.waitFor();
    expect(await toggle.textContent()).toContain("Trip on Friday: bring a packed lunch");

    // Then the teacher unpins it: the bar goes, on Leo's screen too.
    await act(trip, "Unpin message");
    await leoBar.waitFor({ state: "hidden" });
    await expect.poll(() => message(l, "Trip on Friday").locator(".pinned-marker").count()).toBe(0);
    expect(await trip.locator(".pinned-marker").count()).toBe(0);

    // Offline, a pin fails and says why; the message stays unpinned.
    await teacherBrowser.context.setOffline(true);
    await t.getByText("You're offline.").waitFor();
    await act(trip, "Pin message");
    await trip.getByRole("alert").filter({ hasText: "The message could not be pinned" }).waitFor();
    await teacherBrowser.context.setOffline(false);
    await t.getByText("You're offline.").waitFor({ state: "hidden" });

    // Leo is offline while the teacher pins it again and writes 60 more messages: when he is
    // back, the resume brings the pin, and the bar shows it.
    await leoBrowser.context.setOffline(true);
    await l.getByText("You're offline.").waitFor();
    await act(trip, "Pin message");
    await trip.locator(".pinned-marker").waitFor();
    for (let i = 1; i <= 60; i++) await sendAsTeacher(`Reminder ${i} of 60.`, `pins-filler-${i}`);
    await leoBrowser.context.setOffline(false);
    await toggle.waitFor();
    await message(l, "Reminder 60 of 60.").waitFor();

    // Opened afresh, the chat holds the newest 50 only; choosing the pin loads older pages
    // until the message is there, scrolls to it and gives it the focus.
    await l.keyboard.press("Escape");
    await l.getByRole("link", { name: /Class 7B/ }).click();
    await message(l, "Reminder 60 of 60.").waitFor();
    expect(await message(l, "Trip on Friday").count()).toBe(0);
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    const item = leoBar.getByRole("listitem").filter({ hasText: "Trip on Friday" });
    expect(await item.textContent()).toContain("Amal Haddad");
    // The keyboard reaches the list: Down from the toggle, Escape closes it (not the chat).
    await toggle.press("ArrowDown");
    expect(await isFocused(item.getByRole("button"))).toBe(true);
    await l.keyboard.press("Escape");
    await item.waitFor({ state: "detached" });
    expect(await isFocused(toggle)).toBe(true);
    await l.getByRole("heading", { name: "Class 7B" }).waitFor();
    await toggle.press("Enter");
    await item.getByRole("button").click();
    const found = message(l, "Trip on Friday");
    await found.and(l.locator('[data-found="true"]')).waitFor();
    await expect.poll(() => isFocused(found)).toBe(true);
    // In view: inside the history's scrolled area.
    const [shown, history] = await Promise.all([
      found.boundingBox(),
      l.getByRole("region", { name: "Message history" }).boundingBox(),
    ]);
    expect(shown!.y).toBeGreaterThanOrEqual(history!.y);
    expect(shown!.y).toBeLessThan(history!.y + history!.height);

    expect(dialogs).toEqual([]);
  });

  it("the teacher forwards Leo's photo to his mother, who sees who wrote it and the picture; a forward the school refuses says so", {
    timeout: 120_000,
  }, async () => {
    const t = teacherBrowser.page;
    const l = leoBrowser.page;
    const p = parentBrowser.page;
    screenshotOnFailure({ teacher: t, leo: l, parent: p });
    const dialogs = watchDialogs([p]);
    await signIn(p, server.url, parent.username, PASSWORD);

    // Leo sends a photo to the class from the paperclip.
    const [chooser] = await Promise.all([
      l.waitForEvent("filechooser"),
      l.getByRole("button", { name: "Attach files" }).click(),
    ]);
    await chooser.setFiles([{ name: "volcano-model.png", mimeType: "image/png", buffer: png(400, 300) }]);
    await l.getByText("Ready to send").waitFor();
    await l.getByLabel("Message Class 7B").fill("Our volcano model!");
    await l.getByLabel("Message Class 7B").press("Enter");
    const photo = message(t, "Our volcano model!");
    await photo.getByRole("img", { name: "volcano-model.png" }).waitFor();

    // The teacher forwards it: the dialog lists her conversations, the search narrows them.
    await act(photo, "Forward message");
    const dialog = t.getByRole("dialog", { name: "Forward message" });
    await dialog.waitFor();
    expect(await isFocused(dialog.getByRole("searchbox", { name: "Search conversations" }))).toBe(true);
    expect(await dialog.getByRole("radio").count()).toBeGreaterThanOrEqual(2); // Claire, the school
    expect(await dialog.getByRole("radio", { name: /Class 7B/ }).count()).toBe(0); // not where it is
    await dialog.getByRole("searchbox", { name: "Search conversations" }).fill("clai");
    await expect.poll(() => dialog.getByRole("radio").count()).toBe(1);
    await dialog.getByRole("radio", { name: /Claire Martin/ }).check();
    await dialog.getByRole("button", { name: "Forward", exact: true }).click();
    const forwarded = t.getByRole("dialog", { name: "Message forwarded" });
    await forwarded.getByText("Forwarded to Claire Martin.").waitFor();
    expect(await isFocused(forwarded.getByRole("button", { name: "Done" }))).toBe(true);
    await forwarded.getByRole("button", { name: "Open Claire Martin" }).click();
    await t.getByRole("heading", { name: "Claire Martin" }).waitFor();
    const copy = message(t, "Our volcano model!", "Messages with Claire Martin");
    await copy.locator(".forwarded-from", { hasText: "Forwarded from Leo Martin" }).waitFor();

    // Claire sees it in her conversation with the teacher: who wrote it, and the picture.
    await p.getByRole("link", { name: /Amal Haddad/ }).click();
    const received = message(p, "Our volcano model!", "Messages with Amal Haddad");
    await received.locator(".forwarded-from", { hasText: "Forwarded from Leo Martin" }).waitFor();
    const picture = received.getByRole("img", { name: "volcano-model.png" });
    await expect
      .poll(() => picture.evaluate((img: PictureElement) => img.complete && img.naturalWidth > 0))
      .toBe(true);

    // Leo may not post in the school-wide group: forwarding there, with the keyboard alone, is
    // refused in words, and the dialog stays open.
    const school = expectStatus<{ conversations: ConversationSummary[] }>(
      await admin.get("/api/v1/conversations"),
      200,
    ).conversations.find((c) => c.kind === "primary")!;
    const trip = message(l, "Trip on Friday");
    await trip.focus();
    const forwardButton = trip.getByRole("button", { name: "Forward message" });
    for (let tab = 0; tab < 5 && !(await isFocused(forwardButton)); tab++) await l.keyboard.press("Tab");
    expect(await isFocused(forwardButton)).toBe(true);
    await l.keyboard.press("Enter");
    const leoDialog = l.getByRole("dialog", { name: "Forward message" });
    await leoDialog.waitFor();
    await l.keyboard.type(school.name!.slice(0, 6));
    await expect.poll(() => leoDialog.getByRole("radio").count()).toBe(1);
    await l.keyboard.press("Tab");
    await l.keyboard.press("Space");
    expect(await leoDialog.getByRole("radio", { name: new RegExp(school.name!) }).isChecked()).toBe(true);
    await l.keyboard.press("Enter");
    await leoDialog
      .getByRole("alert")
      .filter({ hasText: `The message could not be forwarded to ${school.name}.` })
      .waitFor();
    await l.keyboard.press("Escape");
    await leoDialog.waitFor({ state: "hidden" });
    await l.getByRole("heading", { name: "Class 7B" }).waitFor(); // Escape closed the dialog, not the chat
    await expect.poll(() => isFocused(trip)).toBe(true);

    expect(dialogs).toEqual([]);
  });

  it("shows the markdown subset as formatting, and HTML or a javascript: link as the text typed", {
    timeout: 60_000,
  }, async () => {
    const t = teacherBrowser.page;
    const l = leoBrowser.page;
    screenshotOnFailure({ teacher: t, leo: l });
    const dialogs = watchDialogs([t, l]);
    await t.getByRole("link", { name: /Class 7B/ }).click();
    const box = t.getByLabel("Message Class 7B");
    await box.fill(
      "**Bring** `pencils` and _a ruler_:\n- a compass\n- ~~a calculator~~\nDetails: https://school.example/trip?day=fri.",
    );
    await box.press("Enter");
    const rich = message(l, "Details:");
    await rich.waitFor();
    const text = rich.locator(".text");
    expect(await text.locator("strong").textContent()).toBe("Bring");
    expect(await text.locator("code").textContent()).toBe("pencils");
    expect(await text.locator("em").textContent()).toBe("a ruler");
    expect(await text.getByRole("listitem").allTextContents()).toEqual(["a compass", "a calculator"]);
    expect(await text.locator("s").textContent()).toBe("a calculator");
    const link = text.getByRole("link", { name: "https://school.example/trip?day=fri" });
    expect(await link.getAttribute("href")).toBe("https://school.example/trip?day=fri");
    expect(await link.getAttribute("target")).toBe("_blank");
    expect((await link.getAttribute("rel"))?.split(" ").sort()).toEqual([
      "nofollow",
      "noopener",
      "noreferrer",
    ]);
    expect(await text.textContent()).not.toContain("**");

    // What is not in the subset is shown exactly as typed, and does nothing.
    for (const hostile of ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"]) {
      await box.fill(hostile);
      await box.press("Enter");
      const shown = message(l, hostile);
      await shown.waitFor();
      expect(await shown.locator(".text").textContent()).toBe(hostile);
      expect(await shown.locator(".text img, .text a").count()).toBe(0);
    }
    expect(dialogs).toEqual([]);
  });
});
