/** A repeating background task; `stop` clears it and waits for a run under way. */
export interface Repeating {
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, never two at once (a tick that finds the last run still going
 * is skipped), without keeping the process alive. A failed run goes to `onError`; the next tick
 * tries again.
 */
export function repeatEvery(
  intervalMs: number,
  task: () => Promise<unknown>,
  onError: (error: unknown) => void,
): Repeating {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    running ??= task()
      .catch(onError)
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
