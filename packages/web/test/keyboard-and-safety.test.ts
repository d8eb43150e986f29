import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import { type Browser, isFocused, openBrowser, screenshotOnFailure } from "./browser.ts";
import { createPerson, PASSWORD, type Person } from "./school.ts";

/** The app works with the keyboard alone, and shows what people type as text, never as HTML. */

const XSS = "<img src=x onerror=alert(1)>";

let server: TestServer;
let teacher: Person;
let student: Person;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  const admin = (await new Api(server.url).signInAdmin()).api;
  teacher = await createPerson(admin, { username: "ben.okafor", displayName: "Ben Okafor", role: "teacher" });
  student = await createPerson(admin, { username: "dev.patel", displayName: "Dev Patel", role: "student" });
  // The student writes first, a long history ending with an HTML-looking message, so the
  // teacher has a conversation waiting with more than one page of history.
  const { api } = await new Api(server.url).signIn(student.username, PASSWORD);
  const conversation = expectStatus(
    await api.post("/api/v1/conversations/direct", { userId: teacher.id }),
    201,
  );
  const texts = [...Array.from({ length: 60 }, (_, i) => `Early message ${i + 1}`), "Hello Mr Okafor", XSS];
  for (const [i, text] of texts.entries())
    expectStatus(
      await api.post(`/api/v1/conversations/${conversation.id}/messages`, {
        clientId: `seed-message-${i}`,
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

describe("in the browser", () => {
  it("signs in, opens a conversation, sends, scrolls back and goes back with the keyboard alone", {
    timeout: 60_000,
  }, async () => {
    const page = browser.page;
    screenshotOnFailure({ teacher: page });
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });

    await page.goto(server.url);
    // The username field has the focus on arrival.
    await expect.poll(() => isFocused(page.getByLabel("Username"))).toBe(true);
    await page.keyboard.type(teacher.username);
    await page.keyboard.press("Tab");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");

    // Tab along until the conversation with the student has the focus, then open it.
    const link = page.getByRole("link", { name: /Dev Patel/ });
    await link.waitFor();
    for (let presses = 0; presses < 20; presses++) {
      if (await isFocused(link)) break;
      await page.keyboard.press("Tab");
    }
    expect(await isFocused(link)).toBe(true);
    await page.keyboard.press("Enter");

    // The message box has the focus: type, Shift+Enter for a new line, Enter to send.
    const box = page.getByLabel("Message Dev Patel");
    await box.waitFor();
    expect(await isFocused(box)).toBe(true);
    await page.keyboard.type("Hello Dev,");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("see you in class.");
    await page.keyboard.press("Enter");
    const sent = page.getByRole("log").locator('.message.mine[data-status="stored"]', { hasText: "see you" });
    await sent.waitFor();
    expect(await sent.locator(".text").textContent()).toBe("Hello Dev,\nsee you in class.");

    // The HTML-looking message is shown as the text that was typed: no image, no script.
    const literal = page.getByRole("log").getByText(XSS, { exact: true });
    await literal.waitFor();
    expect(await page.getByRole("log").locator("img").count()).toBe(0);
    expect(dialogs).toEqual([]);

    // History scrolls back: Shift+Tab from the message box reaches "Load earlier messages" (in
    // view, it starts loading by itself; Enter loads too) and the focus stays in the history.
    const earliest = page.getByRole("log").getByText("Early message 1", { exact: true });
    expect(await earliest.count()).toBe(0);
    await box.focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Enter");
    await earliest.waitFor();
    await page.getByText("This is the beginning of the conversation.").waitFor();
    expect(await page.getByRole("log").locator(".message").count()).toBe(63);
    await expect.poll(() => isFocused(page.getByRole("region", { name: "Message history" }))).toBe(true);

    // Escape goes back to the list, with the focus on the conversation that was open.
    await page.keyboard.press("Escape");
    await page.getByRole("heading", { name: "Welcome to Hallway" }).waitFor();
    await expect.poll(() => isFocused(link)).toBe(true);
    // The focus is visible: an outline is drawn around the focused link.
    const outline = await link.evaluate(
      (element) => element.ownerDocument.defaultView.getComputedStyle(element).outlineStyle,
    );
    expect(outline).not.toBe("none");
  });
});
