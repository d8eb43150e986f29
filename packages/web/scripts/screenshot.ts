import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/**
 * Takes the README's picture of the web app: Amal Haddad (a teacher) reads her conversation with
 * Claire Martin (a parent), who is typing. Run it against a server seeded with `npm run demo`:
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

const amal = await person("amal.haddad", { width: 1200, height: 720 });
const claire = await person("claire.martin", { width: 900, height: 700 });
try {
  await amal.page.getByRole("link", { name: /Claire Martin/ }).click();
  await amal.page.getByText("Online", { exact: false }).first().waitFor();
  await claire.page.getByRole("link", { name: /Amal Haddad/ }).click();
  await claire.page.getByLabel("Message Amal Haddad").pressSequentially("See you on the 14th", { delay: 30 });
  await amal.page.getByText("Claire Martin is typing…").waitFor();
  await amal.page.mouse.move(0, 0);
  await mkdir(path.dirname(output), { recursive: true });
  await amal.page.screenshot({ path: output });
  console.log(`saved ${output}`);
} finally {
  await claire.close();
  await amal.close();
}
