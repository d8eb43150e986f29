/**
 * Keeps one sender's sends to one conversation in the order they arrived. The checks before
 * the batched writer (policy, word filter) are asynchronous and may finish in any order; a
 * send waits here until the one before it has been queued in the writer, which then keeps
 * the order. Different senders and conversations never wait on each other.
 */
export class SendOrder {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for the previous send of the same key; the returned function lets the next one go (call it once queued, or on failure). */
  async enter(key: string): Promise<() => void> {
    const previous = this.tails.get(key);
    let open!: () => void;
    const mine = new Promise<void>((resolve) => {
      open = resolve;
    });
    const tail = previous ? previous.then(() => mine) : mine;
    this.tails.set(key, tail);
    if (previous) await previous;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      open();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
