import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import { type Browser, isFocused, openBrowser, screenshotOnFailure, signIn } from "./browser.ts";
import { PASSWORD, type Person, teacherAndParent } from "./school.ts";

/**
 * Message search in the browser: a teacher types a word in the search box, sees the message
 * with the word marked and the conversation it is in, and opens the conversation at that
 * message, with the keyboard alone. What people typed stays text, never HTML.
 */

let server: TestServer;
let teacher: Person;
let parent: Person;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  const admin = (await new Api(server.url).signInAdmin()).api;
  ({ teacher, parent } = await teacherAndParent(admin));
  // The parent writes first: the message searched for, then enough to push it off the first page.
  const { api } = await new Api(server.url).signIn(parent.username, PASSWORD);
  const conversation = expectStatus(
    await api.post("/api/v1/conversations/direct", { userId: teacher.id }),
    201,
  );
  const texts = [
    "Chloe left her <b>trombone</b> case in the music room",
    ...Array.from({ length: 70 }, (_, i) => `Another note about the week, number ${i + 1}`),
  ];
  for (const [i, text] of texts.entries())
    expectStatus(
      await api.post(`/api/v1/conversations/${conversation.id}/messages`, {
        clientId: `search-seed-${i}`,
        text,
      }),
      201,
    );
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("message search in the browser", () => {
  it("finds a word, marks it, and opens the conversation at the message with the keyboard", {
    timeout: 60_000,
  }, async () => {
    const page = browser.page;
    screenshotOnFailure({ teacher: page });
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });
    await signIn(page, server.url, teacher.username, PASSWORD);

    const box = page.getByRole("searchbox", { name: "Search messages" });
    await box.fill("TROMBONE");
    const results = page.getByRole("list", { name: "Messages found" });
    const hit = results.getByRole("link").first();
    await hit.waitFor();
    await expect.poll(() => results.getByRole("link").count()).toBe(1);
    await expect
      .poll(() => page.getByRole("status").filter({ hasText: "found" }).textContent())
      .toBe("1 message found");
    // The conversation (named after the parent: no "Claire Martin:" again), the text as typed,
    // the word marked.
    expect(await hit.locator(".message-hit-conversation").textContent()).toBe("Claire Martin");
    await expect
      .poll(() => hit.locator(".message-hit-text").textContent())
      .toBe("Chloe left her <b>trombone</b> case in the music room");
    expect(await hit.locator("mark").allTextContents()).toEqual(["trombone"]);
    expect(await hit.locator("b").count()).toBe(0);

    // Down arrow to the result, Enter: the conversation opens at the message, 70 messages back.
    await box.focus();
    await page.keyboard.press("ArrowDown");
    expect(await isFocused(hit)).toBe(true);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Claire Martin" }).waitFor();
    const found = page.locator('.chat [data-found="true"]');
    await found.waitFor();
    expect(await found.textContent()).toContain("Chloe left her <b>trombone</b> case");
    await expect.poll(() => found.isVisible()).toBe(true);

    // Nothing found says so; Escape clears the search.
    await box.fill("xylophone");
    await page.getByRole("status").filter({ hasText: "No messages found." }).waitFor();
    await box.press("Escape");
    expect(await box.inputValue()).toBe("");
    expect(await results.count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
