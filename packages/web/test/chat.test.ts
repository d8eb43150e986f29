import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import { type Browser, openBrowser, screenshotOnFailure, signIn } from "./browser.ts";
import { PASSWORD, type Person, teacherAndParent } from "./school.ts";

/**
 * A teacher and a parent chat in two real browsers against a real server: messages arrive
 * within a second, typing shows, receipts move from sent to delivered to read, a spell offline
 * loses nothing and duplicates nothing, and a new group reaches its members.
 */

let server: TestServer;
let teacher: Person;
let parent: Person;
let teacherBrowser: Browser;
let parentBrowser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  const admin = (await new Api(server.url).signInAdmin()).api;
  ({ teacher, parent } = await teacherAndParent(admin));
  [teacherBrowser, parentBrowser] = await Promise.all([openBrowser(), openBrowser()]);
});

afterAll(async () => {
  await Promise.all([teacherBrowser?.close(), parentBrowser?.close()]);
  await server?.close();
});

const log = (page: Page) => page.getByRole("log");
const bubble = (page: Page, text: string) => log(page).locator(".message", { hasText: text });
const receipt = (page: Page, text: string) => bubble(page, text).locator("[data-receipt]");

describe("two people chat in the browser", () => {
  it("delivers at once, shows typing and receipts, survives going offline, makes a group", {
    timeout: 120_000,
  }, async () => {
    const t = teacherBrowser.page;
    const p = parentBrowser.page;
    screenshotOnFailure({ teacher: t, parent: p });

    await Promise.all([
      signIn(t, server.url, teacher.username, PASSWORD),
      signIn(p, server.url, parent.username, PASSWORD),
    ]);

    // The teacher finds the parent and starts the direct conversation.
    await t.getByLabel("Find people").fill("Claire");
    await t.getByRole("button", { name: /Claire Martin/ }).click();
    await t.getByRole("heading", { name: "Claire Martin" }).waitFor();
    await t.getByLabel("Message Claire Martin").fill("Good morning! Chloe did very well today.");
    await t.keyboard.press("Enter");
    await receipt(t, "Chloe did very well")
      .and(t.locator('[data-receipt="sent"], [data-receipt="delivered"]'))
      .waitFor();

    // The parent's list gets the conversation with an unread badge; opening it reads it.
    const link = p.getByRole("link", { name: /Amal Haddad/ });
    await link.locator(".unread-badge", { hasText: "1" }).waitFor();
    await link.click();
    await bubble(p, "Chloe did very well").waitFor();
    await receipt(t, "Chloe did very well").and(t.locator('[data-receipt="read"]')).waitFor();

    // With both open, a message shows on the other side within a second.
    await p.getByLabel("Message Amal Haddad").fill("Thank you! She loved the science project.");
    await p.keyboard.press("Enter");
    await bubble(t, "She loved the science project").waitFor({ timeout: 1_000 });

    // Typing shows on the other side, and goes away when the message is sent.
    await t.getByLabel("Message Claire Martin").pressSequentially("Shall we meet", { delay: 20 });
    await p.getByText("Amal Haddad is typing…").waitFor({ timeout: 3_000 });
    await t.keyboard.press("Enter");
    await bubble(p, "Shall we meet").waitFor({ timeout: 1_000 });
    await p.getByText("Amal Haddad is typing…").waitFor({ state: "hidden", timeout: 3_000 });

    // Delivered, not read, while the parent looks at the list; read once they open it again.
    await p.keyboard.press("Escape");
    await p.getByRole("heading", { name: "Welcome to Hallway" }).waitFor();
    await t.getByLabel("Message Claire Martin").fill("Next Tuesday at 4?");
    await t.keyboard.press("Enter");
    await receipt(t, "Next Tuesday at 4").and(t.locator('[data-receipt="delivered"]')).waitFor();
    await p.getByRole("link", { name: /Amal Haddad/ }).click();
    await receipt(t, "Next Tuesday at 4").and(t.locator('[data-receipt="read"]')).waitFor();

    // The teacher goes offline: the send waits in the outbox, shown as pending.
    await teacherBrowser.context.setOffline(true);
    await t.getByText("You're offline.").waitFor();
    await t.getByLabel("Message Claire Martin").fill("Sent from the bus, offline");
    await t.keyboard.press("Enter");
    const offlineBubble = bubble(t, "Sent from the bus, offline");
    await offlineBubble.and(t.locator('[data-status="pending"]')).waitFor();
    await offlineBubble.getByText("Waiting for connection").waitFor();
    // Meanwhile the parent writes back; the teacher gets it after reconnecting.
    await p.getByLabel("Message Amal Haddad").fill("Tuesday works for us");
    await p.keyboard.press("Enter");
    await bubble(p, "Tuesday works for us").and(p.locator('[data-status="stored"]')).waitFor();
    expect(await bubble(p, "Sent from the bus, offline").count()).toBe(0);

    await teacherBrowser.context.setOffline(false);
    await offlineBubble.and(t.locator('[data-status="stored"]')).waitFor();
    await bubble(t, "Tuesday works for us").waitFor();
    await bubble(p, "Sent from the bus, offline").waitFor();

    // Nothing lost, nothing twice: on both screens and on the server.
    for (const page of [t, p]) {
      await expect.poll(() => bubble(page, "Sent from the bus, offline").count()).toBe(1);
      await expect.poll(() => bubble(page, "Tuesday works for us").count()).toBe(1);
      expect(await log(page).locator(".message").count()).toBe(6);
    }
    const parentApi = (await new Api(server.url).signIn(parent.username, PASSWORD)).api;
    const conversationId = new URL(p.url()).hash.replace("#/c/", "");
    const history = (
      await parentApi.get<{ messages: { text: string }[] }>(
        `/api/v1/conversations/${conversationId}/messages`,
      )
    ).body;
    expect(history.messages.map((m) => m.text)).toEqual([
      "Good morning! Chloe did very well today.",
      "Thank you! She loved the science project.",
      "Shall we meet",
      "Next Tuesday at 4?",
      "Tuesday works for us",
      "Sent from the bus, offline",
    ]);

    // A group: the teacher creates it with the parent, who sees it appear; "read by N of M".
    await t.getByRole("button", { name: "New group" }).click();
    await t.getByLabel("Group name").fill("Science fair helpers");
    await t.getByLabel("Add people").fill("Claire");
    await t.getByRole("checkbox", { name: /Claire Martin/ }).check();
    await t.getByRole("button", { name: /Create group/ }).click();
    await t.getByRole("heading", { name: "Science fair helpers" }).waitFor();
    await t.getByText("You created the group with Claire Martin").waitFor();
    await t.getByLabel("Message Science fair helpers").fill("Who can help on the 14th?");
    await t.keyboard.press("Enter");
    await p.getByRole("link", { name: /Science fair helpers/ }).click();
    await p.getByText("Amal Haddad created the group with you").waitFor();
    await bubble(p, "Who can help on the 14th?").locator(".sender", { hasText: "Amal Haddad" }).waitFor();
    await bubble(t, "Who can help on the 14th?").getByText("Read by 1 of 1").waitFor();

    // Unsent messages survive closing the tab: written offline, sent when the app is opened again.
    await parentBrowser.context.setOffline(true);
    await p.getByText("You're offline.").waitFor();
    await p.getByLabel("Message Science fair helpers").fill("Cake is on me");
    await p.keyboard.press("Enter");
    await bubble(p, "Cake is on me").and(p.locator('[data-status="pending"]')).waitFor();
    await p.close();
    await parentBrowser.context.setOffline(false);
    const reopened = await parentBrowser.context.newPage();
    await reopened.goto(server.url);
    await bubble(t, "Cake is on me").waitFor();
    await reopened.getByRole("link", { name: /Science fair helpers/ }).click();
    await bubble(reopened, "Cake is on me").and(reopened.locator('[data-status="stored"]')).waitFor();
    for (const page of [t, reopened]) await expect.poll(() => bubble(page, "Cake is on me").count()).toBe(1);
  });
});
