/**
 * Quick probe of how much CPU the machine really gives us right now.
 *
 * On a shared VM the nominal core count is not what a run gets: when all vCPUs are busy
 * the host may run them at a fraction of a core and freeze them for tens or hundreds of ms.
 * Benchmark figures from such a run are not comparable with a quiet run, so the bench
 * records this probe next to them: effective cores (parallel throughput / single-thread
 * throughput) and the longest freeze seen by a spinning thread.
 */

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/** What {@link probeCpu} measured. */
export interface CpuProbeResult {
  nominalCores: number;
  /** Spin-loop iterations per ms of one thread alone. */
  singleOpsPerMs: number;
  /** Sum over `threads` concurrent threads of iterations per ms. */
  parallelOpsPerMs: number;
  threads: number;
  /** parallelOpsPerMs / singleOpsPerMs: ≈ threads on a dedicated machine. */
  effectiveCores: number;
  /** Longest gap between two consecutive clock reads of any spinning thread, ms (a freeze). */
  maxStallMs: number;
  /** Probe wall time, ms. */
  durationMs: number;
}

// Plain JS run with `eval: true` (no TypeScript loader needed in the worker). Sleeps until a
// common start time so all threads spin over the same window, then spins and reports.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { startAt, ms } = workerData;
const wait = startAt - Date.now();
if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
const t0 = performance.now();
let n = 0, last = t0, maxGap = 0;
for (;;) {
  const t = performance.now();
  if (t - last > maxGap) maxGap = t - last;
  last = t;
  n++;
  if (t - t0 >= ms) break;
}
parentPort.postMessage({ opsPerMs: n / (last - t0), maxGap });
`;

async function spin(threads: number, ms: number): Promise<{ opsPerMs: number; maxGap: number }[]> {
  // 150 ms lead time covers worker start-up so every thread begins together.
  const startAt = Date.now() + 150;
  return Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<{ opsPerMs: number; maxGap: number }>((resolve, reject) => {
          const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { startAt, ms } });
          w.once("message", (m: { opsPerMs: number; maxGap: number }) => {
            resolve(m);
            void w.terminate();
          });
          w.once("error", reject);
        }),
    ),
  );
}

/**
 * Spins one thread for `ms`, then `threads` threads (default: all cores) for `ms`.
 * Costs about 2 × ms + 0.4 s of wall time and fully loads the machine meanwhile: run it
 * before or after, never during, a measurement.
 */
export async function probeCpu(options: { threads?: number; ms?: number } = {}): Promise<CpuProbeResult> {
  const t0 = performance.now();
  const nominalCores = availableParallelism();
  const threads = options.threads ?? nominalCores;
  const ms = options.ms ?? 1000;
  const single = await spin(1, ms);
  const parallel = await spin(threads, ms);
  const singleOpsPerMs = single[0]?.opsPerMs ?? Number.NaN;
  const parallelOpsPerMs = parallel.reduce((a, r) => a + r.opsPerMs, 0);
  return {
    nominalCores,
    singleOpsPerMs,
    parallelOpsPerMs,
    threads,
    effectiveCores: parallelOpsPerMs / singleOpsPerMs,
    maxStallMs: Math.max(...single.map((r) => r.maxGap), ...parallel.map((r) => r.maxGap)),
    durationMs: performance.now() - t0,
  };
}
