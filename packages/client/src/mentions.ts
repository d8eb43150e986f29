/**
 * Unread mentions of me per conversation (`@me` or `@everyone` in someone else's message after
 * my read position). A resume gives each conversation's count as the server counted it up to
 * its `lastSeq`; live messages after that are tracked by sequence number, so a read position,
 * a deletion or an edit that drops the mention takes exactly those away again.
 */
export class MentionCounts {
  /** From the last resume: how many unread mentions there were up to `upToSeq`. */
  private readonly counted = new Map<string, { count: number; upToSeq: number }>();
  /** Mentions seen live after `upToSeq`, by sequence number. */
  private readonly live = new Map<string, Set<number>>();

  get(conversationId: string): number {
    return (this.counted.get(conversationId)?.count ?? 0) + (this.live.get(conversationId)?.size ?? 0);
  }

  /** A resume's count: it covers every message up to `lastSeq` (replayed ones included). */
  adopt(conversationId: string, count: number, lastSeq: number): void {
    this.counted.set(conversationId, { count, upToSeq: lastSeq });
    const live = this.live.get(conversationId);
    if (live) for (const seq of live) if (seq <= lastSeq) live.delete(seq);
  }

  /** A new message from someone else that mentions me. */
  mentioned(conversationId: string, seq: number): void {
    const counted = this.counted.get(conversationId);
    if (counted && seq <= counted.upToSeq) return; // already in the resume's count
    let live = this.live.get(conversationId);
    if (!live) {
      live = new Set();
      this.live.set(conversationId, live);
    }
    live.add(seq);
  }

  /** The message at `seq` no longer mentions me (deleted, or edited). */
  unmentioned(conversationId: string, seq: number): void {
    this.live.get(conversationId)?.delete(seq);
  }

  /** My read position moved to `readSeq`: mentions up to it are read. */
  read(conversationId: string, readSeq: number): void {
    const counted = this.counted.get(conversationId);
    // The resume's count is not known per message: it goes when everything it covered is read.
    if (counted && readSeq >= counted.upToSeq) counted.count = 0;
    const live = this.live.get(conversationId);
    if (live) for (const seq of live) if (seq <= readSeq) live.delete(seq);
  }

  forget(conversationId: string): void {
    this.counted.delete(conversationId);
    this.live.delete(conversationId);
  }
}
