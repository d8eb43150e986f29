import { buildWebApp, isWebBuildStale } from "../scripts/build.ts";

/**
 * The browser tests drive the built app that the server serves: rebuild it first when a source
 * file is newer than the build (about a second), so a test never runs against stale code.
 */
export default async function setup() {
  if (await isWebBuildStale()) await buildWebApp({ quiet: true });
}
