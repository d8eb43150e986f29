import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { onTestFailed } from "vitest";

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH overrides. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("The browser tests need chromium: apt-get install -y chromium (or set CHROMIUM_PATH).");
  }
}

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

const RESULTS_DIR = fileURLToPath(new URL("../../../test-results", import.meta.url));

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A fresh Chromium profile (one person's browser) with one page. */
export async function openBrowser(
  options: { width?: number; height?: number; args?: string[] } = {},
): Promise<Browser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), "hallway-browser-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [...ARGS, ...(options.args ?? [])],
    viewport: { width: options.width ?? 1100, height: options.height ?? 720 },
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Chromium flags for a microphone that records (a fake one) without asking: voice notes in tests. */
export const FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"];

/** Call inside a test: if it fails, each page's screenshot is kept in test-results/ (git-ignored). */
export function screenshotOnFailure(pages: Record<string, Page>): void {
  onTestFailed(async ({ task }) => {
    await mkdir(RESULTS_DIR, { recursive: true });
    const slug = task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
    for (const [who, page] of Object.entries(pages)) {
      const file = path.join(RESULTS_DIR, `${slug}-${who}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.error(`screenshot of ${who}'s page: ${file}`);
    }
  });
}

/** Signs in through the sign-in page and waits for the conversation list. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Conversations" }).waitFor();
}

/** Whether the element has the keyboard focus. */
export function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === element.ownerDocument.activeElement);
}

/** What tests read of an <img> inside the page (the tests' own TypeScript has no DOM library). */
export interface PictureElement {
  complete: boolean;
  naturalWidth: number;
}

/** What tests read of an <audio> inside the page. */
export interface AudioElement {
  readyState: number;
  error: unknown;
}

/**
 * Builds a DataTransfer holding one file, inside the page: what a drop or a paste carries.
 * Returns a handle to pass to `dispatchEvent`.
 */
export function fileTransfer(page: Page, file: { name: string; type: string; bytes: Buffer }) {
  return page.evaluateHandle(
    ({ name, type, base64 }) => {
      const g = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: unknown): void } };
        File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
      };
      const transfer = new g.DataTransfer();
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      transfer.items.add(new g.File([bytes], name, { type }));
      return transfer;
    },
    { name: file.name, type: file.type, base64: file.bytes.toString("base64") },
  );
}
