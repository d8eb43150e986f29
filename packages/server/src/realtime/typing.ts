import type { Connection } from "./connection.ts";
import { encodeEvent } from "./frames.ts";
import type { Hub } from "./hub.ts";

/** How long a typing indicator lasts without a refresh. */
export const TYPING_TTL_MS = 5_000;
/** A typist's refreshes are forwarded at most this often. */
const FORWARD_EVERY_MS = 2_000;
/** Typing is shown only where people talk, not in the school-wide group or announcement channels. */
const TYPING_KINDS = new Set(["direct", "group", "section", "support"]);

/**
 * Typing indicators: ephemeral, throttled, never stored. The receiving side hides one after
 * `expiresInMs`; a stop or a sent message hides it at once.
 */
export class TypingRelay {
  private readonly lastForwarded = new Map<string, number>();
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(private readonly hub: Hub) {
    this.pruneTimer = setInterval(() => this.prune(), TYPING_TTL_MS * 2);
    this.pruneTimer.unref();
  }

  start(connection: Connection, conversationId: string): void {
    if (!TYPING_KINDS.has(connection.kinds.get(conversationId) ?? "")) return;
    const key = `${conversationId}|${connection.userId}`;
    const now = Date.now();
    if (now - (this.lastForwarded.get(key) ?? 0) < FORWARD_EVERY_MS) return;
    this.lastForwarded.set(key, now);
    const frame = encodeEvent("typing.started", {
      conversationId,
      userId: connection.userId,
      expiresInMs: TYPING_TTL_MS,
    });
    this.hub.toMembers(conversationId, frame, connection.userId);
  }

  stop(conversationId: string, userId: string): void {
    const key = `${conversationId}|${userId}`;
    const last = this.lastForwarded.get(key);
    if (last === undefined) return;
    this.lastForwarded.delete(key);
    if (Date.now() - last >= TYPING_TTL_MS) return; // already expired on the other side
    this.hub.toMembers(conversationId, encodeEvent("typing.stopped", { conversationId, userId }), userId);
  }

  close(): void {
    clearInterval(this.pruneTimer);
  }

  private prune(): void {
    const cutoff = Date.now() - TYPING_TTL_MS;
    for (const [key, at] of this.lastForwarded) if (at < cutoff) this.lastForwarded.delete(key);
  }
}
