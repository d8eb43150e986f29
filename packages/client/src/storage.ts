/**
 * Where the client keeps what must survive a reconnect (and, in the browser, a reload): the
 * last sequence number seen per conversation. Small on purpose so any store can back it.
 */
export interface PositionStore {
  all(): Record<string, number>;
  get(conversationId: string): number | undefined;
  set(conversationId: string, seq: number): void;
  clear(): void;
}

/** The default: positions live as long as the client object. */
export class MemoryPositionStore implements PositionStore {
  private readonly positions = new Map<string, number>();
  all() {
    return Object.fromEntries(this.positions);
  }
  get(conversationId: string) {
    return this.positions.get(conversationId);
  }
  set(conversationId: string, seq: number) {
    this.positions.set(conversationId, seq);
  }
  clear() {
    this.positions.clear();
  }
}

interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The browser's localStorage (or any Storage): positions survive a page reload. Writes are coalesced. */
export class WebStoragePositionStore implements PositionStore {
  private readonly positions: Map<string, number>;
  private pending = false;

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key = "hallway.positions",
  ) {
    let saved: Record<string, number> = {};
    try {
      saved = JSON.parse(storage.getItem(key) ?? "{}");
    } catch {}
    this.positions = new Map(Object.entries(saved).filter(([, v]) => Number.isInteger(v)));
  }
  all() {
    return Object.fromEntries(this.positions);
  }
  get(conversationId: string) {
    return this.positions.get(conversationId);
  }
  set(conversationId: string, seq: number) {
    this.positions.set(conversationId, seq);
    if (this.pending) return;
    this.pending = true;
    setTimeout(() => {
      this.pending = false;
      this.storage.setItem(this.key, JSON.stringify(this.all()));
    }, 250);
  }
  clear() {
    this.positions.clear();
    this.storage.removeItem(this.key);
  }
}
