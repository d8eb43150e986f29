import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import { type Browser, openBrowser, screenshotOnFailure, signIn } from "./browser.ts";
import { createPerson, PASSWORD, type Person } from "./school.ts";

/**
 * Safeguarding in the browser: a conversation with a student says it is supervised; an invite
 * link joins its group after sign-in, or says why it cannot.
 */

let server: TestServer;
let teacher: Person;
let colleague: Person;
let student: Person;
let teacherApi: Api;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  const admin = (await new Api(server.url).signInAdmin()).api;
  teacher = await createPerson(admin, { username: "rosa.diaz", displayName: "Rosa Diaz", role: "teacher" });
  colleague = await createPerson(admin, {
    username: "omar.faruk",
    displayName: "Omar Faruk",
    role: "teacher",
  });
  student = await createPerson(admin, { username: "lena.berg", displayName: "Lena Berg", role: "student" });
  teacherApi = (await new Api(server.url).signIn(teacher.username, PASSWORD)).api;
  for (const userId of [student.id, colleague.id])
    expectStatus(await teacherApi.post("/api/v1/conversations/direct", { userId }), 201);
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("in the browser", () => {
  it("a conversation with a student shows a small Supervised notice; one between teachers does not", {
    timeout: 60_000,
  }, async () => {
    const page = browser.page;
    screenshotOnFailure({ teacher: page });
    await signIn(page, server.url, teacher.username, PASSWORD);
    await page.getByRole("link", { name: /Lena Berg/ }).click();
    const notice = page.getByTestId("supervised-notice");
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/^Supervised: The school's designated staff may review/);
    expect(await notice.getAttribute("title")).toBe(
      "The school's designated staff may review this conversation.",
    );
    await page.getByRole("link", { name: /Omar Faruk/ }).click();
    await page.getByRole("heading", { name: "Omar Faruk" }).waitFor();
    expect(await page.getByTestId("supervised-notice").count()).toBe(0);
  });

  it("an invite link joins its group after sign-in; a used-up one says why", {
    timeout: 60_000,
  }, async () => {
    const group = expectStatus(
      await teacherApi.post("/api/v1/conversations", { name: "Poetry club", memberIds: [] }),
      201,
    );
    const invite = expectStatus(
      await teacherApi.post(`/api/v1/conversations/${group.id}/invites`, { expiresInHours: 24, maxUses: 1 }),
      201,
    );
    expect(invite.url).toBe(`${server.url}/#/invite/${invite.code}`);
    const other = await openBrowser();
    try {
      const page = other.page;
      screenshotOnFailure({ student: page });
      await page.goto(invite.url);
      await page.getByLabel("Username").fill(student.username);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Poetry club" }).waitFor();
      await page.getByText("You joined with an invite link").waitFor();
      expect(page.url()).toContain(`#/c/${group.id}`);

      // The one use is gone: the same link now explains itself.
      const colleaguePage = (await openBrowser()).page;
      try {
        await signIn(colleaguePage, server.url, colleague.username, PASSWORD);
        await colleaguePage.goto(invite.url);
        await colleaguePage.getByRole("heading", { name: "You couldn't join this group" }).waitFor();
        expect(await colleaguePage.getByRole("alert").textContent()).toMatch(/used as many times/);
      } finally {
        await colleaguePage.context().close();
      }
    } finally {
      await other.close();
    }
  });
});
