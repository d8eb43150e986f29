/**
 * At most `limit` sends per user in any `windowMs`, across all of the user's connections and
 * REST: a sliding window of the user's recent send times. Memory is `limit` numbers per user
 * who sent in the last window; quiet users are swept out.
 */
export class SendRateLimiter {
  private readonly sends = new Map<string, number[]>();
  private takes = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Takes a send slot for `userId` at `now`; null when granted, else the seconds to wait. */
  take(userId: string, now: number): number | null {
    if (++this.takes % 1_000 === 0) this.sweep(now);
    const start = now - this.windowMs;
    let times = this.sends.get(userId);
    if (!times) {
      times = [];
      this.sends.set(userId, times);
    }
    while (times.length > 0 && times[0]! <= start) times.shift();
    if (times.length >= this.limit) return Math.max(1, Math.ceil((times[0]! - start) / 1000));
    times.push(now);
    return null;
  }

  /** Users tracked (for tests and metrics). */
  get size(): number {
    return this.sends.size;
  }

  private sweep(now: number): void {
    const start = now - this.windowMs;
    for (const [userId, times] of this.sends) if ((times.at(-1) ?? 0) <= start) this.sends.delete(userId);
  }
}
