import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { EventName } from "@hallway/protocol";
import { CLOSE_CODES } from "@hallway/protocol";
import type { WebSocket } from "ws";
import type { HallwayError } from "../errors.ts";
import type { UserPrincipal } from "../services/context.ts";
import { ConversationStream, type LogReader } from "./conversation-stream.ts";
import { encodeError, encodeEvent, encodeReply } from "./frames.ts";

/**
 * Sockets corked in this turn of the event loop: written frames wait in the socket until every
 * callback and promise of the turn has run, then go out together, one system call per socket
 * (a sender's own echo and the ack of its send; the messages of one batch to the same member).
 */
const corked: Connection[] = [];

/**
 * Bytes a corked socket may hold before they go out anyway: half the smallest allowed
 * WS_MAX_BUFFERED_BYTES, so frames held back for a turn never pass for a slow consumer.
 */
const CORK_LIMIT = 8 * 1024;

function uncorkAll(): void {
  for (const connection of corked.splice(0)) connection.uncork();
}

export interface ConnectionLimits {
  /** Bytes the socket may have queued before it is closed as a slow consumer. */
  maxBufferedBytes: number;
}

/**
 * One WebSocket of one device. Holds what delivery needs per connection: a stream (cursor)
 * per conversation once resumed, and the device's activity for presence. Sending never
 * buffers without bound: past the limit the socket is closed with the resume code.
 */
export class Connection {
  readonly id = randomUUID();
  readonly connectedAt = new Date();
  readonly streams = new Map<string, ConversationStream>();
  /** Conversation kinds this connection routes, for rules like "no typing in the school-wide group". */
  readonly kinds = new Map<string, string>();
  resumed = false;
  activity: "active" | "away" = "active";
  lastActivityAt = Date.now();
  alive = true;
  closed = false;
  private corked = false;

  constructor(
    readonly socket: WebSocket,
    readonly principal: UserPrincipal,
    readonly client: string,
    readonly platform: string,
    private readonly limits: ConnectionLimits,
    private readonly readLog: LogReader,
    private readonly onError: (error: unknown) => void,
  ) {}

  get userId(): string {
    return this.principal.userId;
  }

  /** Writes bytes; false when the connection is gone or was just closed for falling behind. */
  sendRaw(frame: Buffer): boolean {
    if (this.closed) return false;
    if (this.corked) this.flushIfFull();
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.close(CLOSE_CODES.SLOW_CONSUMER, "too far behind; reconnect and resume");
      return false;
    }
    if (!this.corked) this.cork();
    // The protocol's frames are JSON text: a Buffer sent as is would go out as a binary frame,
    // which browsers hand to the page as a Blob.
    this.socket.send(frame, { binary: false });
    return true;
  }

  private cork(): void {
    // ws writes each frame to its net.Socket at once (header and payload corked together); the
    // socket's own cork holds them until the end of the turn.
    const raw = (this.socket as unknown as { _socket?: Socket })._socket;
    if (!raw) return;
    raw.cork();
    this.corked = true;
    corked.push(this);
    if (corked.length === 1) process.nextTick(uncorkAll);
  }

  private flushIfFull(): void {
    const raw = (this.socket as unknown as { _socket?: Socket })._socket;
    if (raw && raw.writableLength >= CORK_LIMIT) {
      raw.uncork();
      raw.cork();
    }
  }

  /** Lets the frames written in this turn go out (see `corked`). */
  uncork(): void {
    this.corked = false;
    (this.socket as unknown as { _socket?: Socket })._socket?.uncork();
  }

  sendEvent(event: EventName, data: unknown): boolean {
    return this.sendRaw(encodeEvent(event, data));
  }

  reply(id: string | number, data: unknown): void {
    this.sendRaw(encodeReply(id, data));
  }

  replyError(id: string | number | null, error: HallwayError): void {
    this.sendRaw(encodeError(id, error));
  }

  /** Starts routing a conversation's log to this connection from `cursor` (null: from now). */
  follow(conversationId: string, kind: string, cursor: number | null): ConversationStream {
    let stream = this.streams.get(conversationId);
    if (!stream) {
      stream = new ConversationStream(
        conversationId,
        cursor,
        this.readLog,
        (frame) => this.sendRaw(frame),
        this.onError,
      );
      this.streams.set(conversationId, stream);
      this.kinds.set(conversationId, kind);
    }
    return stream;
  }

  unfollow(conversationId: string): void {
    this.streams.delete(conversationId);
    this.kinds.delete(conversationId);
  }

  /** Closes with a code from the protocol; a socket that cannot take the close frame is cut. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.terminate();
    }
    // A slow or dead peer may never answer the close handshake.
    setTimeout(() => this.socket.terminate(), 2_000).unref();
  }
}
