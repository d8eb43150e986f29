/**
 * Poisson arrival schedules and a drift-correcting driver for open-loop load.
 *
 * Open loop matters: senders fire at precomputed times whatever the server does,
 * so a slow server shows up as latency instead of silently lowering the load
 * (the "coordinated omission" trap of closed-loop generators).
 */

import type { LatencyRecorder } from "./histogram.ts";

/** A uniform [0, 1) random source; `Math.random` fits. */
export type Rng = () => number;

/**
 * Small seedable PRNG (mulberry32), so two runs can replay the same schedule and
 * the same choice of senders. Not for anything security-related.
 */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Send times of a Poisson process of `ratePerSec` over `durationSec`, as offsets in ms
 * from the start, ascending, all strictly below `durationSec * 1000`.
 * Gaps are exponential with mean 1/rate: -ln(1-U)/rate (1-U avoids ln(0)).
 */
export function poissonSchedule(
  ratePerSec: number,
  durationSec: number,
  rng: Rng = Math.random,
): Float64Array {
  if (!(ratePerSec > 0) || !(durationSec > 0)) return new Float64Array(0);
  const endMs = durationSec * 1000;
  const meanGapMs = 1000 / ratePerSec;
  // Hard cap far above any plausible count (mean + many sigmas), so a broken rng can't loop forever.
  const expected = ratePerSec * durationSec;
  const cap = Math.ceil(expected + 10 * Math.sqrt(expected) + 100);
  const out = new Float64Array(cap);
  let t = 0;
  let n = 0;
  while (n < cap) {
    t += -Math.log(1 - rng()) * meanGapMs;
    if (t >= endMs) break;
    out[n++] = t;
  }
  return out.slice(0, n);
}

/** What happened while driving a schedule. */
export interface DriveResult {
  /** Callbacks made (equals the schedule length unless aborted). */
  fired: number;
  /** `performance.now()` at the schedule's time zero. */
  startedAt: number;
  /** `performance.now()` when the last callback returned. */
  endedAt: number;
  /** Largest lateness of a callback versus its scheduled time (ms). */
  maxLagMs: number;
}

/** Options for {@link driveSchedule}. */
export interface DriveOptions {
  /** `performance.now()` value to use as time zero; defaults to now. Lets several drivers share one origin. */
  startAt?: number;
  /** Stops the driver early; the promise then resolves with what was fired. */
  signal?: AbortSignal;
  /** If given, every callback's lateness (actual - scheduled, ms) is recorded here. */
  lag?: LatencyRecorder;
}

/**
 * Calls `onArrival(index, scheduledAt)` at each time of `offsetsMs` (ms after `startAt`).
 *
 * setTimeout only has ~1 ms granularity and wakes late under load, so each tick fires
 * every arrival whose time has come (batching) and the next wait is computed from the
 * absolute schedule, never from the previous wake-up: lateness never accumulates (drift
 * correction), and the long-run rate stays the scheduled one as long as the process keeps up.
 */
export function driveSchedule(
  offsetsMs: Float64Array,
  onArrival: (index: number, scheduledAt: number) => void,
  options: DriveOptions = {},
): Promise<DriveResult> {
  const startedAt = options.startAt ?? performance.now();
  const { signal, lag } = options;
  const n = offsetsMs.length;
  let i = 0;
  let maxLagMs = 0;
  return new Promise<DriveResult>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", finish);
      resolve({ fired: i, startedAt, endedAt: performance.now(), maxLagMs });
    };
    const tick = () => {
      timer = undefined;
      if (signal?.aborted) return finish();
      // Re-read the clock per arrival: callbacks take time, so more may have become due meanwhile.
      let now = performance.now();
      while (i < n) {
        const due = startedAt + (offsetsMs[i] as number);
        if (due > now) break;
        const late = now - due;
        if (late > maxLagMs) maxLagMs = late;
        lag?.record(late);
        onArrival(i, due);
        i++;
        now = performance.now();
      }
      if (i >= n) return finish();
      const wait = startedAt + (offsetsMs[i] as number) - performance.now();
      // Below 1 ms setTimeout rounds up to 1 ms anyway; the batching above absorbs the error.
      timer = setTimeout(tick, Math.max(0, wait));
    };
    signal?.addEventListener("abort", finish, { once: true });
    tick();
  });
}

/** Convenience: generate a Poisson schedule and drive it in one call. */
export function runPoisson(
  ratePerSec: number,
  durationSec: number,
  onArrival: (index: number, scheduledAt: number) => void,
  options: DriveOptions & { rng?: Rng } = {},
): Promise<DriveResult> {
  return driveSchedule(poissonSchedule(ratePerSec, durationSec, options.rng), onArrival, options);
}
