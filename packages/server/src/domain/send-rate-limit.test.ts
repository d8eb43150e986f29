import { describe, expect, it } from "vitest";
import { SendRateLimiter } from "./send-rate-limit.ts";

describe("SendRateLimiter", () => {
  it("grants `limit` sends in a window, then says how long to wait", () => {
    const limiter = new SendRateLimiter(3, 10_000);
    expect([0, 100, 200].map((t) => limiter.take("u", t))).toEqual([null, null, null]);
    expect(limiter.take("u", 300)).toBe(10);
    expect(limiter.take("u", 9_100)).toBe(1);
    // The first send leaves the window: one slot frees up.
    expect(limiter.take("u", 10_001)).toBeNull();
    expect(limiter.take("u", 10_002)).toBe(1);
  });

  it("counts each user on their own", () => {
    const limiter = new SendRateLimiter(1, 1_000);
    expect(limiter.take("a", 0)).toBeNull();
    expect(limiter.take("b", 0)).toBeNull();
    expect(limiter.take("a", 10)).toBe(1);
  });

  it("forgets users who stopped sending", () => {
    const limiter = new SendRateLimiter(5, 1_000);
    for (let i = 0; i < 500; i++) limiter.take(`user${i}`, 0);
    expect(limiter.size).toBe(500);
    for (let i = 0; i < 1_000; i++) limiter.take("busy", 5_000 + i * 10);
    expect(limiter.size).toBeLessThan(10);
  });
});
