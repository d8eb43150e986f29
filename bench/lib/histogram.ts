/**
 * Latency recording for benchmarks.
 *
 * Values are kept raw (not bucketed) in a growable Float64Array: a bench run
 * records at most a few million samples, which is a few tens of MB at worst,
 * and exact percentiles are worth more here than a constant memory bound.
 * Sorting happens once, when a summary is asked for.
 */

/** Percentile summary of recorded values, in the unit they were recorded in (ms). */
export interface LatencySummary {
  count: number;
  /** Arithmetic mean; NaN when empty. */
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  min: number;
}

/**
 * Records latencies in milliseconds with sub-millisecond precision
 * (values from `performance.now()` differences are fine).
 */
export class LatencyRecorder {
  private data: Float64Array;
  private n = 0;

  /** @param initialCapacity how many samples to preallocate; the buffer doubles when full. */
  constructor(initialCapacity = 1 << 16) {
    this.data = new Float64Array(Math.max(16, initialCapacity));
  }

  /** Number of recorded samples. */
  get count(): number {
    return this.n;
  }

  /** Records one value (ms). Non-finite values are dropped: they would poison the sort. */
  record(valueMs: number): void {
    if (!Number.isFinite(valueMs)) return;
    if (this.n === this.data.length) this.grow(this.n + 1);
    this.data[this.n++] = valueMs;
  }

  /** Appends all values from another recorder or a raw array (e.g. one sent by a child process). */
  merge(other: LatencyRecorder | Float64Array): void {
    const src = other instanceof LatencyRecorder ? other.values() : other;
    if (this.n + src.length > this.data.length) this.grow(this.n + src.length);
    this.data.set(src, this.n);
    this.n += src.length;
  }

  /**
   * A copy of the recorded values, sized exactly. A copy (not a view) so it can be
   * posted to another process or kept after `reset()`.
   */
  values(): Float64Array {
    return this.data.slice(0, this.n);
  }

  /** Forgets all samples but keeps the allocated buffer for reuse. */
  reset(): void {
    this.n = 0;
  }

  /** Computes percentiles (nearest-rank) over everything recorded so far. */
  summary(): LatencySummary {
    return summarize(this.data.subarray(0, this.n));
  }

  private grow(minCapacity: number): void {
    let cap = this.data.length * 2;
    while (cap < minCapacity) cap *= 2;
    const next = new Float64Array(cap);
    next.set(this.data.subarray(0, this.n));
    this.data = next;
  }
}

/**
 * Percentile summary of an array of values. Sorts a copy, so the input is left untouched.
 * Uses nearest-rank percentiles: the reported value was actually observed.
 */
export function summarize(values: Float64Array | readonly number[]): LatencySummary {
  const n = values.length;
  if (n === 0) {
    return {
      count: 0,
      mean: Number.NaN,
      p50: Number.NaN,
      p90: Number.NaN,
      p99: Number.NaN,
      max: Number.NaN,
      min: Number.NaN,
    };
  }
  // Typed-array sort is numeric (not lexicographic) and much faster than Array#sort.
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  return {
    count: n,
    mean: sum / n,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[n - 1] as number,
    min: sorted[0] as number,
  };
}

/** Nearest-rank percentile `p` (0–100) of an already ascending-sorted array. */
export function percentileOfSorted(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * n);
  const idx = Math.min(n - 1, Math.max(0, rank - 1));
  return sorted[idx] as number;
}
