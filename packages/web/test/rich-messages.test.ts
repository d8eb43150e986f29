import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import { type Browser, isFocused, openBrowser, screenshotOnFailure, signIn } from "./browser.ts";
import { classWithFamily, PASSWORD, type Person } from "./school.ts";

/**
 * A class group in two browsers, the teacher's and a student's: an @ mention picked from the
 * suggestions (and its badge in the student's list), reactions and who made them, a thread
 * that stays out of the timeline, an edit (and a cancelled one), deletions by the author and
 * by the class's teacher as its moderator, an error shown when the network is gone, and a
 * search hit in a thread that opens the thread.
 */

let server: TestServer;
let teacher: Person;
let leo: Person;
let teacherBrowser: Browser;
let leoBrowser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  const admin = (await new Api(server.url).signInAdmin()).api;
  ({ teacher, leo } = await classWithFamily(admin));
  [teacherBrowser, leoBrowser] = await Promise.all([openBrowser(), openBrowser()]);
});

afterAll(async () => {
  await Promise.all([teacherBrowser?.close(), leoBrowser?.close()]);
  await server?.close();
});

const timeline = (page: Page) => page.getByRole("log", { name: "Messages in Class 7B" });
const message = (page: Page, text: string) => timeline(page).locator(".message", { hasText: text });
const threadPanel = (page: Page) => page.getByRole("complementary", { name: "Thread" });
const reply = (page: Page, text: string) =>
  threadPanel(page).getByRole("log", { name: "Replies" }).locator(".message", { hasText: text });
/** Hovers a message (its actions show on hover or focus) and clicks one of them. */
async function act(target: Locator, action: string) {
  await target.hover();
  await target.getByRole("button", { name: action, exact: true }).click();
}

describe("threads, reactions, edits, deletions and mentions in the browser", () => {
  it("works for a teacher and a student in their class group, live on both sides", {
    timeout: 120_000,
  }, async () => {
    const t = teacherBrowser.page;
    const l = leoBrowser.page;
    screenshotOnFailure({ teacher: t, leo: l });
    const dialogs: string[] = [];
    for (const page of [t, l]) page.on("dialog", (dialog) => dialogs.push(dialog.message()));

    await Promise.all([
      signIn(t, server.url, teacher.username, PASSWORD),
      signIn(l, server.url, leo.username, PASSWORD),
    ]);
    await t.getByRole("link", { name: /Class 7B/ }).click();
    const box = t.getByLabel("Message Class 7B");
    await box.waitFor();

    // @ suggests the class's members; Enter inserts the username.
    await box.pressSequentially("@le", { delay: 20 });
    const suggestions = t.getByRole("listbox", { name: "People to mention" });
    await suggestions.getByRole("option", { name: /Leo Martin/ }).waitFor();
    expect(await suggestions.getByRole("option").count()).toBe(1);
    await t.keyboard.press("Enter");
    expect(await box.inputValue()).toBe("@leo.martin ");
    await box.pressSequentially("please bring the register to the lab", { delay: 5 });
    await t.keyboard.press("Enter");
    const mentionMessage = message(t, "bring the register");
    await mentionMessage.locator(".mention", { hasText: "@leo.martin" }).waitFor();

    // Leo, on his list, sees the @ badge; opening the class reads it and the badge goes.
    const leoLink = l.getByRole("link", { name: /Class 7B/ });
    await leoLink.locator(".mention-badge").waitFor();
    expect(await leoLink.textContent()).toContain("You were mentioned");
    await leoLink.click();
    await message(l, "bring the register")
      .locator(".mention.mention-me", { hasText: "@leo.martin" })
      .waitFor();
    await l.keyboard.press("Escape");
    await leoLink.waitFor();
    await expect.poll(() => leoLink.locator(".mention-badge").count()).toBe(0);
    await leoLink.click();

    // Leo reacts from the picker; the teacher sees the count, and who it was on hover.
    await act(message(l, "bring the register"), "Add reaction");
    await l
      .getByRole("group", { name: "Pick a reaction" })
      .getByRole("button", { name: "React with thumbs up" })
      .click();
    const leoChip = message(l, "bring the register").locator('.reaction[data-emoji="👍"]');
    await leoChip.and(l.locator('[aria-pressed="true"]')).waitFor();
    const teacherChip = mentionMessage.locator('.reaction[data-emoji="👍"]');
    await teacherChip.and(t.locator('[aria-pressed="false"]')).waitFor();
    expect(await teacherChip.textContent()).toBe("👍1");
    await teacherChip.hover();
    await expect.poll(() => t.getByRole("tooltip").textContent()).toBe("Leo Martin reacted with thumbs up");
    // The teacher adds hers by clicking the chip: two, hers pressed; Leo's tooltip says "you".
    await teacherChip.click();
    await teacherChip.and(t.locator('[aria-pressed="true"]')).waitFor();
    await expect.poll(() => leoChip.textContent()).toBe("👍2");
    await leoChip.hover();
    await expect
      .poll(() => l.getByRole("tooltip").textContent())
      .toBe("Amal Haddad and you reacted with thumbs up");

    // Leo replies in a thread: it shows in the thread, not in the timeline; the teacher's copy
    // of the message says "1 reply".
    await act(message(l, "bring the register"), "Reply in thread");
    const leoThread = threadPanel(l);
    await leoThread.locator(".message", { hasText: "bring the register" }).waitFor();
    expect(await isFocused(l.getByRole("textbox", { name: "Reply to this thread" }))).toBe(true);
    await l.getByRole("textbox", { name: "Reply to this thread" }).fill("It's in my bag, I'll bring it");
    await l.keyboard.press("Enter");
    await reply(l, "in my bag").and(l.locator('[data-status="stored"]')).waitFor();
    await mentionMessage.locator(".thread-summary", { hasText: "1 reply" }).waitFor();
    expect(await message(t, "in my bag").count()).toBe(0);
    expect(await message(l, "in my bag").count()).toBe(0);

    // The teacher opens the thread from the summary and answers; Leo sees it live.
    await mentionMessage.locator(".thread-summary").click();
    await reply(t, "in my bag").locator(".sender", { hasText: "Leo Martin" }).waitFor();
    await t.getByRole("textbox", { name: "Reply to this thread" }).fill("Thank you Leo");
    await t.keyboard.press("Enter");
    await reply(l, "Thank you Leo").waitFor();
    await leoThread.getByText("2 replies").first().waitFor();
    await message(l, "bring the register").locator(".thread-summary", { hasText: "2 replies" }).waitFor();
    // Escape closes the thread and gives the focus back to the message.
    await t.getByRole("textbox", { name: "Reply to this thread" }).press("Escape");
    await threadPanel(t).waitFor({ state: "detached" });
    await expect.poll(() => isFocused(mentionMessage)).toBe(true);
    await t.getByRole("heading", { name: "Class 7B" }).waitFor();

    // The teacher edits her message: Escape cancels, Enter saves; both sides say "edited".
    await act(mentionMessage, "Edit message");
    const editor = t.getByRole("textbox", { name: "Edit message" });
    await editor.fill("this should not be saved");
    await editor.press("Escape");
    await editor.waitFor({ state: "detached" });
    await t.getByRole("heading", { name: "Class 7B" }).waitFor(); // Escape cancelled the edit, not the chat
    expect(await mentionMessage.locator(".edited").count()).toBe(0);
    await act(mentionMessage, "Edit message");
    await editor.fill("@leo.martin please bring the register to the hall");
    await editor.press("Enter");
    const edited = message(l, "to the hall");
    await edited.locator(".edited").waitFor();
    await edited.locator(".mention-me").waitFor();
    await message(t, "to the hall").locator(".edited").waitFor();
    expect(await message(l, "to the lab").count()).toBe(0);

    // Deletions: hers (confirmed), then Leo's as the class's teacher. Tombstones on both sides.
    await box.fill("Wrong class, sorry");
    await box.press("Enter");
    const wrong = message(t, "Wrong class, sorry");
    await wrong.and(t.locator('[data-status="stored"]')).waitFor();
    await message(l, "Wrong class, sorry").waitFor();
    await act(wrong, "Delete message");
    const confirm = t.getByRole("dialog", { name: "Delete your message?" });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "hidden" });
    expect(await wrong.count()).toBe(1);
    const seq = await wrong.getAttribute("data-seq");
    await act(wrong, "Delete message");
    await confirm.getByRole("button", { name: "Delete" }).click();
    for (const page of [t, l])
      await timeline(page)
        .locator(`.message[data-seq="${seq}"] .tombstone`, { hasText: "This message was deleted" })
        .waitFor();
    expect(await timeline(l).getByText("Wrong class, sorry").count()).toBe(0);

    await l.getByLabel("Message Class 7B").fill("lol this lesson is boring");
    await l.keyboard.press("Enter");
    const rude = message(t, "this lesson is boring");
    await rude.waitFor();
    // Leo may not remove the teacher's messages: no such button for him.
    await message(l, "to the hall").hover();
    expect(
      await message(l, "to the hall")
        .getByRole("button", { name: /Delete|Remove/ })
        .count(),
    ).toBe(0);
    const rudeSeq = await rude.getAttribute("data-seq");
    // Offline, the removal fails and says why; back online it goes through.
    await teacherBrowser.context.setOffline(true);
    await t.getByText("You're offline.").waitFor();
    await act(rude, "Remove message");
    const remove = t.getByRole("dialog", { name: "Remove Leo Martin's message?" });
    await remove.getByRole("button", { name: "Delete" }).click();
    await remove.getByRole("alert").filter({ hasText: "The message could not be deleted" }).waitFor();
    await teacherBrowser.context.setOffline(false);
    await t.getByText("You're offline.").waitFor({ state: "hidden" });
    await remove.getByRole("button", { name: "Delete" }).click();
    await remove.waitFor({ state: "hidden" });
    await timeline(l)
      .locator(`.message[data-seq="${rudeSeq}"] .tombstone`, { hasText: "This message was deleted" })
      .waitFor();

    // Search finds a word in a thread reply; choosing it opens the thread at the reply.
    await t.keyboard.press("Escape");
    await t.getByRole("searchbox", { name: "Search messages" }).fill("bag");
    const hit = t.getByRole("list", { name: "Messages found" }).getByRole("link").first();
    await hit.waitFor();
    expect(await hit.textContent()).toContain("It's in my bag");
    await hit.click();
    await threadPanel(t).waitFor();
    await reply(t, "in my bag").and(t.locator('[data-found="true"]')).waitFor();

    expect(dialogs).toEqual([]);
  });
});
