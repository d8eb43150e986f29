import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { forkTs, stopChild } from "../lib/child.ts";

export interface BenchServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts the real Hallway server (packages/server/src/main.ts) as its own process, so its CPU
 * and memory are measured apart from the load generator, against the given database.
 */
export async function startBenchServer(
  databaseUrl: string,
  env: Record<string, string>,
): Promise<BenchServer> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "hallway-bench-data-"));
  const main = fileURLToPath(new URL("../../packages/server/src/main.ts", import.meta.url));
  const child: ChildProcess = forkTs(main, [], {
    nodeArgs: process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean),
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error("the server did not become ready within 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      await stopChild(child, 10_000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
