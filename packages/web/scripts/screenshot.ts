import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/**
 * Takes the README's picture of the web app: Amal Haddad (a teacher) in her class group, with a
 * photo, reactions and the science fair thread open, while Chloe (a student) is typing. Run it
 * against a server seeded with `npm run demo`:
 *
 *   node --import tsx packages/web/scripts/screenshot.ts [base URL] [output file]
 */

const baseUrl = (process.argv[2] ?? "http://localhost:3000").replace(/\/$/, "");
const output = path.resolve(
  process.argv[3] ?? fileURLToPath(new URL("../../../docs/images/web-app.png", import.meta.url)),
);
const PASSWORD = "hallway-demo";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function person(username: string, viewport: { width: number; height: number }) {
  const profile = await mkdtemp(path.join(os.tmpdir(), "hallway-shot-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport,
    deviceScaleFactor: 1,
  });
  const page: Page = context.pages()[0] ?? (await context.newPage());
  await page.goto(baseUrl);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Conversations" }).waitFor();
  return {
    page,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const amal = await person("amal.haddad", { width: 1280, height: 760 });
const chloe = await person("chloe.martin", { width: 900, height: 700 });
try {
  // Amal's class group: a photo, reactions, a corrected (edited) date, and the science fair thread open.
  const page = amal.page;
  await page.getByRole("link", { name: /Class 7A/ }).click();
  const photo = page.getByRole("img", { name: "plants-week-1.png" });
  await photo.waitFor();
  await page.waitForFunction(
    "[...document.querySelectorAll('.image-attachment img')].every((img) => img.complete && img.naturalWidth > 0)",
  );
  await page.locator(".thread-summary", { hasText: "3 replies" }).click();
  await page.getByRole("complementary", { name: "Thread" }).getByText("Thanks Ms Haddad!").waitFor();
  // Chloe, in the class group too, is typing.
  await chloe.page.getByRole("link", { name: /Class 7A/ }).click();
  await chloe.page.getByLabel("Message Class 7A").pressSequentially("Our trays are ready", { delay: 30 });
  await page.getByText("Chloe Martin is typing…").waitFor();
  await page.mouse.move(0, 0);
  await mkdir(path.dirname(output), { recursive: true });
  await page.screenshot({ path: output });
  console.log(`saved ${output}`);
} finally {
  await chloe.close();
  await amal.close();
}
