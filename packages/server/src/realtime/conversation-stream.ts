/** One logged event ready to send: its sequence number and its encoded frame. */
export interface LoggedFrame {
  seq: number;
  frame: Buffer;
}

/** Reads a conversation's log after a sequence number, in order, at most `limit` events. */
export type LogReader = (conversationId: string, afterSeq: number, limit: number) => Promise<LoggedFrame[]>;

const CATCH_UP_PAGE = 500;

/**
 * Exactly-once, in-order delivery of one conversation's log to one connection. The cursor is
 * the last sequence number sent. A live event right after the cursor goes out at once; an
 * older one is a duplicate and is dropped; a newer one means something is missing (a publish
 * that raced, a reconnect, another process) and the gap is read from the database, which is
 * the ground truth since events are published only after commit.
 */
export class ConversationStream {
  private cursor: number | null;
  private wanted = 0;
  private catchingUp: Promise<void> | null = null;

  constructor(
    readonly conversationId: string,
    /** The last seq the client has; null: start from the first live event. */
    cursor: number | null,
    private readonly read: LogReader,
    private readonly send: (frame: Buffer) => boolean,
    private readonly onError: (error: unknown) => void,
  ) {
    this.cursor = cursor;
  }

  get position(): number | null {
    return this.cursor;
  }

  /** A live event: send it, drop it, or fill the gap before it. */
  offer(seq: number, frame: Buffer): void {
    if (this.cursor === null) this.cursor = seq - 1;
    if (seq <= this.cursor) return;
    if (seq === this.cursor + 1 && !this.catchingUp) {
      this.cursor = seq;
      this.send(frame);
      return;
    }
    this.want(seq);
  }

  /** Makes sure everything up to `seq` is (or will be) sent; resolves when caught up. */
  want(seq: number): Promise<void> {
    if (seq > this.wanted) this.wanted = seq;
    if (this.cursor === null || this.wanted <= this.cursor) return this.catchingUp ?? Promise.resolve();
    this.catchingUp ??= this.catchUp().finally(() => {
      this.catchingUp = null;
    });
    return this.catchingUp;
  }

  private async catchUp(): Promise<void> {
    try {
      while (this.cursor !== null && this.wanted > this.cursor) {
        const frames = await this.read(this.conversationId, this.cursor, CATCH_UP_PAGE);
        if (frames.length === 0) {
          // The rows are gone (retention removed them): nothing left to send up to `wanted`.
          this.cursor = this.wanted;
          break;
        }
        for (const { seq, frame } of frames) {
          if (seq <= this.cursor) continue;
          this.cursor = seq;
          if (!this.send(frame)) return;
        }
      }
    } catch (error) {
      this.onError(error);
    }
  }
}
