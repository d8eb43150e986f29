import { existsSync } from "node:fs";
import { readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Where the server looks for the built app. */
export const DIST_DIR = path.join(webRoot, "dist");

/** What the bundle is made of: a change in any of these makes the build stale. */
const SOURCES = [
  path.join(webRoot, "src"),
  path.join(webRoot, "public"),
  path.join(webRoot, "index.html"),
  path.join(webRoot, "vite.config.ts"),
  path.join(webRoot, "..", "client", "src"),
  path.join(webRoot, "..", "protocol", "src"),
];

async function newestChange(target: string): Promise<number> {
  if (!existsSync(target)) return 0;
  const info = await stat(target);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(target))
    newest = Math.max(newest, await newestChange(path.join(target, entry)));
  return newest;
}

/** Whether dist/ is missing or older than any source file. */
export async function isWebBuildStale(): Promise<boolean> {
  const index = path.join(DIST_DIR, "index.html");
  if (!existsSync(index)) return true;
  const built = (await stat(index)).mtimeMs;
  for (const source of SOURCES) if ((await newestChange(source)) > built) return true;
  return false;
}

/**
 * Builds the app with Vite into a scratch folder, then swaps it in for dist/, so a server or a
 * test reading dist/ meanwhile never sees a half-written build. Returns the time it took.
 */
export async function buildWebApp(options: { quiet?: boolean } = {}): Promise<number> {
  const started = performance.now();
  const { build } = await import("vite");
  const scratch = `${DIST_DIR}.build-${process.pid}`;
  const old = `${DIST_DIR}.old-${process.pid}`;
  // Vite takes the bundle's NODE_ENV from the environment when set (vitest sets "test"): a
  // served build is always a production build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      configFile: path.join(webRoot, "vite.config.ts"),
      mode: "production",
      logLevel: options.quiet ? "warn" : "info",
      build: { outDir: scratch, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  try {
    if (existsSync(DIST_DIR)) await rename(DIST_DIR, old);
    await rename(scratch, DIST_DIR);
  } catch (error) {
    // Another build (a parallel test run) swapped its own in first: that one is as good.
    if (!existsSync(path.join(DIST_DIR, "index.html"))) throw error;
    await rm(scratch, { recursive: true, force: true });
  }
  await rm(old, { recursive: true, force: true });
  return performance.now() - started;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ms = await buildWebApp();
  console.log(
    `web app built into ${path.relative(process.cwd(), DIST_DIR) || "."} in ${(ms / 1000).toFixed(1)} s`,
  );
}
