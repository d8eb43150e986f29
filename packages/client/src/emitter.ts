/** A minimal typed event emitter: the SDK needs no dependency for this. */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly handlers = new Map<keyof Events, Set<(data: never) => void>>();

  on<E extends keyof Events>(event: E, handler: (data: Events[E]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler as (data: never) => void);
    return () => set.delete(handler as (data: never) => void);
  }

  once<E extends keyof Events>(event: E, handler: (data: Events[E]) => void): () => void {
    const off = this.on(event, (data) => {
      off();
      handler(data);
    });
    return off;
  }

  emit<E extends keyof Events>(event: E, data: Events[E]): void {
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        (handler as (data: Events[E]) => void)(data);
      } catch (error) {
        // A faulty handler must not break delivery to the others or the client's own state.
        console.error("Hallway client: an event handler threw", error);
      }
    }
  }
}
