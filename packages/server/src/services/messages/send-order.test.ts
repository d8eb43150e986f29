import { describe, expect, it } from "vitest";
import { SendOrder } from "./send-order.ts";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("SendOrder", () => {
  it("lets sends of one key through in arrival order even when their checks finish out of order", async () => {
    const order = new SendOrder();
    const queued: number[] = [];
    const send = async (n: number, checkMs: number) => {
      const next = await order.enter("alice|conversation");
      await pause(checkMs);
      queued.push(n);
      next();
    };
    await Promise.all([send(1, 30), send(2, 1), send(3, 10)]);
    expect(queued).toEqual([1, 2, 3]);
  });

  it("does not hold one key behind another, and a failed send still lets the next go", async () => {
    const order = new SendOrder();
    const first = await order.enter("a");
    const other = await Promise.race([
      order.enter("b").then(() => "b went"),
      pause(50).then(() => "b waited"),
    ]);
    expect(other).toBe("b went");
    first(); // as a failing send does in its finally
    const second = await Promise.race([
      order.enter("a").then(() => "a went"),
      pause(50).then(() => "a waited"),
    ]);
    expect(second).toBe("a went");
  });
});
