import {
  type CommandName,
  type CommandReply,
  type CommandRequest,
  type ConversationSummary,
  type EventData,
  type EventName,
  LOGGED_EVENTS,
  type Message,
  type Presence,
  type ReactionResult,
  type Session,
  shouldReconnect,
} from "@hallway/protocol";
import { type AttachmentLinkBody, AttachmentLinks } from "./attachment-links.ts";
import { Emitter } from "./emitter.ts";
import { HallwayClientError, isRetryable } from "./errors.ts";
import { MentionCounts } from "./mentions.ts";
import { RestClient } from "./rest.ts";
import { MemoryPositionStore, type PositionStore } from "./storage.ts";
import { type UploadOptions, type UploadResultBody, uploadFile } from "./upload.ts";

/** The part of the WebSocket API the client uses: the browser's, or `ws` in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface HallwayClientOptions {
  /** The server, e.g. `https://chat.school.example` or `http://localhost:3000`. */
  baseUrl: string;
  /** A WebSocket implementation; defaults to the global one (browsers, Node 22+). Pass `ws` in Node 20. */
  WebSocket?: WebSocketConstructor;
  /** Where last-seen positions are kept; memory by default, WebStoragePositionStore in browsers. */
  positions?: PositionStore;
  /** Shown to others in the device list. */
  clientName?: string;
  platform?: string;
  /** How long a command may wait for its reply. */
  requestTimeoutMs?: number;
  /** Reconnect backoff: first delay and cap; each delay is jittered. */
  backoff?: { initialMs: number; maxMs: number };
  fetch?: typeof fetch;
}

export type ClientEvents = { [E in EventName]: EventData<E> } & {
  /** The connection state changed. */
  state: ConnectionState;
  /** A resume finished: the stream is live and every missed event has been delivered. */
  resumed: CommandReply<"session.resume">;
  /** Unread counts (or unread mentions of me) changed. */
  unread: { conversationId: string; unreadCount: number; mentionCount: number; totalUnread: number };
  /** Someone's presence (or your own, under your user id) changed. */
  presence: Presence;
  /** The server closed the connection for good (4500–4999), e.g. the session was revoked. */
  closed: { code: number; reason: string };
  /** A new session was obtained (refresh); persist it if you keep sessions. */
  session: Session;
};

interface Pending {
  resolve(data: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** What a send may carry besides its text. */
export interface SendOptions {
  /** The idempotency key; a new random one by default. Pass the same one to retry a send yourself. */
  clientId?: string;
  /** Uploads to this conversation (see `upload`) to attach, at most 10. */
  attachmentIds?: string[];
  /** Send as a reply in the thread of this top-level message. */
  parentId?: string;
}

interface OutboxItem {
  conversationId: string;
  clientId: string;
  text: string;
  attachmentIds: string[];
  parentId?: string;
  resolve(message: Message): void;
  reject(error: Error): void;
  inFlight: boolean;
}

/**
 * The Hallway client for browsers and Node. It keeps one WebSocket, reconnects with jittered
 * exponential backoff, resumes from the last positions so nothing is missed or repeated, and
 * holds sends made while offline in an outbox that retries them in order with the same
 * client id, so each lands exactly once.
 */
export class HallwayClient extends Emitter<ClientEvents> {
  readonly rest: RestClient;
  /** Unread count per conversation, kept up to date from events. */
  readonly unread = new Map<string, number>();
  /** Presence of the people this client follows. */
  readonly presence = new Map<string, Presence>();
  /** Unread mentions of me (by name or `@everyone`) per conversation, kept up to date from events. */
  readonly mentions = new MentionCounts();
  state: ConnectionState = "idle";
  session?: Session;
  /**
   * True while a resume replays what was missed (until `resumed`). A replayed `message.created`
   * carries the message as it is now (edited, deleted, its replies counted), not as it was sent.
   */
  resuming = false;

  private readonly options: Required<Omit<HallwayClientOptions, "fetch" | "WebSocket">> & {
    WebSocket?: WebSocketConstructor;
  };
  private readonly positions: PositionStore;
  private socket?: WebSocketLike;
  private readonly pending = new Map<string, Pending>();
  private readonly outbox: OutboxItem[] = [];
  /** My read position per conversation: whether a deleted message was one of my unread. */
  private readonly readSeqs = new Map<string, number>();
  private nextId = 1;
  private attempt = 0;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private wanted = false;
  private following: string[] = [];
  private accessToken?: string;
  private readonly links: AttachmentLinks;
  /** The counts last announced in an `unread` event, so each change is announced once. */
  private readonly announced = new Map<string, string>();

  constructor(options: HallwayClientOptions) {
    super();
    this.options = {
      requestTimeoutMs: 10_000,
      backoff: { initialMs: 250, maxMs: 15_000 },
      clientName: "hallway-client",
      platform: "document" in globalThis ? "web" : "server",
      positions: new MemoryPositionStore(),
      ...options,
    };
    this.positions = this.options.positions;
    this.rest = new RestClient(options.baseUrl.replace(/\/$/, ""), () => this.accessToken, options.fetch);
    this.links = new AttachmentLinks(this.rest);
  }

  get userId(): string | undefined {
    return this.session?.user.id;
  }

  get totalUnread(): number {
    let total = 0;
    for (const n of this.unread.values()) total += n;
    return total;
  }

  /** Signs in with a Hallway password. */
  async signIn(username: string, password: string): Promise<Session> {
    return this.useSession(await this.rest.signIn(username, password));
  }

  /** Signs in with a JWT from the school system. */
  async signInTrusted(token: string): Promise<Session> {
    return this.useSession(await this.rest.signInTrusted(token));
  }

  /** Uses a session obtained elsewhere (e.g. stored from an earlier run). */
  useSession(session: Session): Session {
    this.session = session;
    this.accessToken = session.accessToken;
    return session;
  }

  /** Connects and resumes; resolves once the stream is live. Reconnects by itself afterwards. */
  connect(): Promise<void> {
    this.wanted = true;
    const ready = new Promise<void>((resolve, reject) => {
      const offResumed = this.once("resumed", () => {
        offClosed();
        resolve();
      });
      const offClosed = this.once("closed", ({ code, reason }) => {
        offResumed();
        reject(new HallwayClientError("CLIENT_CLOSED", `Connection refused (${code}): ${reason}`));
      });
    });
    if (this.state === "idle" || this.state === "closed") this.open();
    return ready;
  }

  /** Closes the connection and stops reconnecting. Queued sends stay in the outbox. */
  disconnect(): void {
    this.wanted = false;
    clearTimeout(this.reconnectTimer);
    this.socket?.close(1000, "client disconnect");
    this.setState("closed");
  }

  /** Sends a command and waits for its reply. */
  request<C extends CommandName>(
    cmd: C,
    data: CommandRequest<C>,
    timeoutMs = this.options.requestTimeoutMs,
  ): Promise<CommandReply<C>> {
    return new Promise((resolve, reject) => {
      if (!this.socket || this.state !== "open" || this.socket.readyState !== 1) {
        reject(new HallwayClientError("CLIENT_DISCONNECTED", "Not connected."));
        return;
      }
      const id = String(this.nextId++);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HallwayClientError("CLIENT_TIMEOUT", `No reply to ${cmd} within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (d: unknown) => void, reject, timer });
      this.socket.send(JSON.stringify({ id, cmd, data }));
    });
  }

  /**
   * Sends a message: text, attachments uploaded beforehand (`attachmentIds`), or both; a
   * thread reply with `parentId`. Works offline: the send waits in the outbox and is retried,
   * in order per conversation and with the same client id, until the server has it, so it
   * lands exactly once. Resolves with the stored message. The last argument may also be just
   * a client id.
   */
  send(conversationId: string, text: string, options: SendOptions | string = {}): Promise<Message> {
    const {
      clientId = newClientId(),
      attachmentIds = [],
      parentId,
    } = typeof options === "string" ? { clientId: options } : options;
    return new Promise((resolve, reject) => {
      this.outbox.push({
        conversationId,
        clientId,
        text,
        attachmentIds: [...attachmentIds],
        parentId,
        resolve,
        reject,
        inFlight: false,
      });
      this.flushOutbox();
    });
  }

  /**
   * Changes the text of my own message; every member gets `message.edited`. Over the
   * WebSocket when connected, else over REST.
   */
  async edit(conversationId: string, messageId: string, text: string): Promise<Message> {
    const reply = await this.command("message.edit", { conversationId, messageId, text }, [
      "PATCH",
      messagePath(conversationId, messageId),
      { text },
    ]);
    return reply.message;
  }

  /**
   * Deletes a message: my own, or anyone's where I moderate (the server decides). Every member
   * gets `message.deleted` and shows a tombstone.
   */
  deleteMessage(conversationId: string, messageId: string): Promise<CommandReply<"message.delete">> {
    return this.command("message.delete", { conversationId, messageId }, [
      "DELETE",
      messagePath(conversationId, messageId),
    ]);
  }

  /** A thread: the top-level message and a page of its replies, oldest first (`after` pages on). */
  fetchThread(
    conversationId: string,
    messageId: string,
    page: { after?: number; limit?: number } = {},
  ): Promise<CommandReply<"thread.fetch">> {
    const query = new URLSearchParams();
    if (page.after !== undefined) query.set("after", String(page.after));
    if (page.limit !== undefined) query.set("limit", String(page.limit));
    const search = query.toString() ? `?${query}` : "";
    return this.command("thread.fetch", { conversationId, messageId, ...page }, [
      "GET",
      `${messagePath(conversationId, messageId)}/replies${search}`,
    ]);
  }

  /** Who reacted to a message with what (user ids per emoji, in the order the emoji were first used). */
  listReactions(conversationId: string, messageId: string): Promise<CommandReply<"reaction.list">> {
    return this.command("reaction.list", { conversationId, messageId }, [
      "GET",
      `${messagePath(conversationId, messageId)}/reactions`,
    ]);
  }

  /**
   * Pins a message to its conversation (`pinned` true) or unpins it. The server decides who may
   * (those who run the conversation; either person in a direct one): others get FORBIDDEN, and a
   * 51st pin TOO_MANY_PINS. Every member gets `pin.updated`; `changed` is false when the message
   * already was (or was not) pinned.
   */
  pin(conversationId: string, messageId: string, pinned: boolean): Promise<CommandReply<"message.pin">> {
    return this.command("message.pin", { conversationId, messageId, pinned }, [
      "PUT",
      `${messagePath(conversationId, messageId)}/pin`,
      { pinned },
    ]);
  }

  /** The conversation's pinned messages, most recently pinned first. */
  listPins(conversationId: string): Promise<CommandReply<"pins.list">> {
    return this.command("pins.list", { conversationId }, [
      "GET",
      `/api/v1/conversations/${conversationId}/pins`,
    ]);
  }

  /**
   * Forwards a message to another conversation I may post in: a new message of mine there, with
   * the same text and attachments and `forwardedFrom`. The target's policy applies (FORBIDDEN,
   * CONVERSATION_NOT_FOUND, RATE_LIMITED…). Idempotent by `clientId`: to retry a forward that may
   * have landed, pass the same one (`duplicate` is then true).
   */
  forward(
    conversationId: string,
    messageId: string,
    targetConversationId: string,
    clientId: string = newClientId(),
  ): Promise<CommandReply<"message.forward">> {
    return this.command("message.forward", { conversationId, messageId, targetConversationId, clientId }, [
      "POST",
      `${messagePath(conversationId, messageId)}/forward`,
      { targetConversationId, clientId },
    ]);
  }

  /**
   * Uploads a file (a browser File or any Blob; in Node, e.g. `await fs.openAsBlob(path)`) to a
   * conversation over REST. Send it with `send(…, { attachmentIds: [result.attachment.id] })`;
   * an upload nobody sends expires. Refusals carry the catalogue code: FILE_TOO_LARGE,
   * FILE_TYPE_REFUSED, FILE_EMPTY, UPLOAD_QUOTA_EXCEEDED…
   */
  upload(conversationId: string, file: Blob, options: UploadOptions = {}): Promise<UploadResultBody> {
    return uploadFile(
      `${this.rest.baseUrl}/api/v1/conversations/${conversationId}/attachments`,
      this.accessToken,
      file,
      options,
      this.rest.fetch,
    );
  }

  /**
   * Short-lived signed links (absolute URLs) to an attachment's bytes and thumbnail. Links are
   * kept until shortly before `expiresAt`; `refresh` asks for new ones regardless.
   */
  attachmentLink(
    conversationId: string,
    attachmentId: string,
    options: { refresh?: boolean } = {},
  ): Promise<AttachmentLinkBody> {
    return this.links.get(conversationId, attachmentId, options);
  }

  /** Sends waiting for the server (offline or unacknowledged). */
  get outboxSize(): number {
    return this.outbox.length;
  }

  /** Marks a conversation read up to `seq` (default: the last seen). */
  async markRead(conversationId: string, seq = this.positions.get(conversationId) ?? 0) {
    const reply = await this.request("conversation.read", { conversationId, seq });
    this.readSeqs.set(conversationId, reply.lastReadSeq);
    this.mentions.read(conversationId, reply.lastReadSeq);
    this.setUnread(conversationId, reply.unreadCount);
    return reply;
  }

  /**
   * Reacts to a message with an emoji (`add` true), takes the reaction back (false), or flips
   * it (left out). Everyone in the conversation gets `reaction.updated`.
   */
  react(conversationId: string, messageId: string, emoji: string, add?: boolean): Promise<ReactionResult> {
    return this.request("reaction.toggle", {
      conversationId,
      messageId,
      emoji,
      ...(add === undefined ? {} : { add }),
    });
  }

  /** Follows these people's presence (replaces the previous set); kept across reconnects. */
  async followPresence(userIds: string[]): Promise<Presence[]> {
    this.following = [...userIds];
    if (this.state !== "open") return [];
    const { presences } = await this.request("presence.subscribe", { userIds });
    for (const p of presences) this.updatePresence(p);
    return presences;
  }

  /** The last sequence number seen in a conversation. */
  position(conversationId: string): number | undefined {
    return this.positions.get(conversationId);
  }

  private open(): void {
    const WebSocketImpl =
      this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketImpl)
      throw new Error("No WebSocket implementation: pass one in the options (e.g. the `ws` package).");
    if (!this.accessToken) throw new Error("Sign in (or useSession) before connecting.");
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    const url = new URL(`${this.rest.baseUrl.replace(/^http/, "ws")}/ws`);
    url.searchParams.set("v", "1");
    url.searchParams.set("token", this.accessToken);
    url.searchParams.set("client", this.options.clientName);
    url.searchParams.set("platform", this.options.platform);
    const socket = new WebSocketImpl(url.toString());
    this.socket = socket;
    socket.onmessage = (event) => {
      if (this.socket === socket) this.handleFrame(String(event.data));
    };
    socket.onclose = (event) => {
      if (this.socket === socket) this.handleClose(event.code, event.reason);
    };
    socket.onerror = () => {};
  }

  private handleFrame(raw: string): void {
    let frame: {
      ev?: EventName;
      data?: unknown;
      re?: string | number | null;
      ok?: boolean;
      error?: { code: string; message: string; details?: unknown };
    };
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (frame.ev) {
      this.handleEvent(frame.ev, frame.data);
      return;
    }
    if (frame.re === undefined || frame.re === null) return;
    const pending = this.pending.get(String(frame.re));
    if (!pending) return;
    this.pending.delete(String(frame.re));
    clearTimeout(pending.timer);
    if (frame.ok) pending.resolve(frame.data);
    else
      pending.reject(
        new HallwayClientError(
          frame.error?.code ?? "INTERNAL",
          frame.error?.message ?? "error",
          frame.error?.details,
        ),
      );
  }

  private handleEvent(event: EventName, data: unknown): void {
    switch (event) {
      case "session.ready":
        this.resume();
        return;
      case "message.created": {
        const message = data as Message;
        const known = this.positions.get(message.conversationId);
        if (known !== undefined && message.seq <= known) return; // already seen (a replay after a reconnect race)
        this.positions.set(message.conversationId, message.seq);
        if (message.kind !== "system" && message.senderId !== this.userId) {
          if (this.mentionsMe(message)) this.mentions.mentioned(message.conversationId, message.seq);
          this.setUnread(message.conversationId, (this.unread.get(message.conversationId) ?? 0) + 1);
        }
        break;
      }
      case "message.deleted": {
        const deleted = data as EventData<"message.deleted">;
        if (!this.advance(deleted)) return; // already seen
        // The server counts only messages still there: one that was unread no longer is.
        const readSeq = this.readSeqs.get(deleted.conversationId);
        const unread = this.unread.get(deleted.conversationId) ?? 0;
        const wasUnread = readSeq !== undefined && deleted.messageSeq > readSeq;
        this.mentions.unmentioned(deleted.conversationId, deleted.messageSeq);
        if (deleted.senderId !== this.userId && wasUnread && unread > 0)
          this.setUnread(deleted.conversationId, unread - 1);
        else this.announceUnread(deleted.conversationId);
        break;
      }
      case "message.edited": {
        const edited = data as EventData<"message.edited">;
        if (!this.advance(edited)) return;
        // An edit that takes my name out takes the mention away. (One that adds it is counted
        // from the next resume: the event does not say whose message it is.)
        if (!this.mentionsMe(edited)) {
          this.mentions.unmentioned(edited.conversationId, edited.messageSeq);
          this.announceUnread(edited.conversationId);
        }
        break;
      }
      case "conversation.joined": {
        // The server routes a new conversation from its first event on. Until one arrives, the
        // position is "before everything": a reconnect in between must replay what came since,
        // not start from the newest message and skip it.
        const { conversationId } = data as EventData<"conversation.joined">;
        if (this.positions.get(conversationId) === undefined) this.positions.set(conversationId, 0);
        break;
      }
      case "read.updated": {
        const read = data as EventData<"read.updated">;
        if (read.userId === this.userId) {
          this.readSeqs.set(read.conversationId, read.lastReadSeq);
          this.mentions.read(read.conversationId, read.lastReadSeq);
          this.announceUnread(read.conversationId);
        }
        if (read.userId === this.userId && read.unreadCount !== undefined)
          this.setUnread(read.conversationId, read.unreadCount);
        break;
      }
      case "presence.changed":
        this.updatePresence(data as Presence);
        break;
      case "self.changed":
        this.updatePresence(data as Presence);
        break;
      default:
        // Any other logged change (a reaction, an edit…) moves the position like a message
        // does, so a resume asks only for what came after it, and a replayed one is not repeated.
        if (LOGGED_EVENTS.includes(event) && !this.advance(data)) return;
    }
    this.emit(event, data as never);
  }

  /** Moves a conversation's position to a logged change's `seq`; false when it was already seen. */
  private advance(data: unknown): boolean {
    const change = data as { conversationId?: unknown; seq?: unknown };
    if (typeof change.conversationId !== "string" || typeof change.seq !== "number") return true;
    const known = this.positions.get(change.conversationId);
    if (known !== undefined && change.seq <= known) return false;
    this.positions.set(change.conversationId, change.seq);
    return true;
  }

  private async resume(): Promise<void> {
    this.setState("open");
    this.resuming = true;
    try {
      const reply = await this.request("session.resume", { positions: this.positions.all() });
      this.resuming = false;
      this.attempt = 0;
      for (const conversation of reply.conversations) this.adopt(conversation);
      this.updatePresence(reply.self);
      this.emit("resumed", reply);
      this.flushOutbox();
      if (this.following.length > 0) this.followPresence(this.following).catch(() => {});
    } catch {
      // The socket dropped mid-resume; the close handler reconnects.
      this.resuming = false;
    }
  }

  /** Takes a conversation's state from a resume: its position (never backwards) and unread count. */
  private adopt(conversation: ConversationSummary): void {
    const known = this.positions.get(conversation.id);
    if (known === undefined || known < conversation.lastSeq)
      this.positions.set(conversation.id, Math.max(known ?? 0, conversation.lastSeq));
    this.readSeqs.set(conversation.id, conversation.me.lastReadSeq);
    this.mentions.adopt(conversation.id, conversation.mentionCount, conversation.lastSeq);
    this.setUnread(conversation.id, conversation.me.muted ? 0 : conversation.unreadCount);
  }

  private flushOutbox(): void {
    if (this.state !== "open") return;
    // One send in flight per conversation: a send that must be retried (rate limited, timed
    // out) would otherwise be overtaken by the next one and land after it.
    const busy = new Set<string>();
    for (const item of this.outbox) {
      if (busy.has(item.conversationId)) continue;
      busy.add(item.conversationId);
      if (item.inFlight) continue;
      item.inFlight = true;
      this.request("message.send", {
        conversationId: item.conversationId,
        clientId: item.clientId,
        // A picture needs no caption: without text, only the attachments go.
        ...(item.text.trim() || item.attachmentIds.length === 0 ? { text: item.text } : {}),
        ...(item.attachmentIds.length > 0 ? { attachmentIds: item.attachmentIds } : {}),
        ...(item.parentId ? { parentId: item.parentId } : {}),
      }).then(
        (reply) => {
          this.outbox.splice(this.outbox.indexOf(item), 1);
          item.resolve(reply.message);
          this.flushOutbox();
        },
        (error) => {
          item.inFlight = false;
          if (isRetryable(error)) {
            // Retried on the next connect, or soon if the connection is still up (a timeout).
            if (this.state === "open") setTimeout(() => this.flushOutbox(), 1_000);
            return;
          }
          this.outbox.splice(this.outbox.indexOf(item), 1);
          item.reject(error);
          this.flushOutbox();
        },
      );
    }
  }

  private handleClose(code: number, reason: string): void {
    this.socket = undefined;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(
        new HallwayClientError("CLIENT_DISCONNECTED", "The connection closed before the reply."),
      );
      this.pending.delete(id);
    }
    for (const item of this.outbox) item.inFlight = false;
    if (!this.wanted) {
      this.setState("closed");
      return;
    }
    if (code === 4401 && this.session?.refreshToken) {
      this.refreshThenReconnect();
      return;
    }
    if (code >= 4500 || (code >= 4000 && !shouldReconnect(code))) {
      this.wanted = false;
      this.setState("closed");
      this.emit("closed", { code, reason });
      return;
    }
    this.scheduleReconnect();
  }

  private async refreshThenReconnect(): Promise<void> {
    try {
      this.emit("session", this.useSession(await this.rest.refresh(this.session!.refreshToken)));
      this.scheduleReconnect();
    } catch (error) {
      this.wanted = false;
      this.setState("closed");
      this.emit("closed", { code: 4500, reason: error instanceof Error ? error.message : "refresh failed" });
    }
  }

  private scheduleReconnect(): void {
    this.setState("reconnecting");
    const { initialMs, maxMs } = this.options.backoff;
    const base = Math.min(maxMs, initialMs * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (this.wanted) this.open();
    }, delay);
  }

  private setUnread(conversationId: string, unreadCount: number): void {
    this.unread.set(conversationId, unreadCount);
    this.announceUnread(conversationId);
  }

  /** Emits `unread` when a conversation's unread or mention count differs from the last one emitted. */
  private announceUnread(conversationId: string): void {
    const unreadCount = this.unread.get(conversationId) ?? 0;
    const mentionCount = this.mentions.get(conversationId);
    const key = `${unreadCount}/${mentionCount}`;
    if (this.announced.get(conversationId) === key) return;
    this.announced.set(conversationId, key);
    this.emit("unread", { conversationId, unreadCount, mentionCount, totalUnread: this.totalUnread });
  }

  private mentionsMe(message: { mentions: string[]; mentionsEveryone: boolean }): boolean {
    return message.mentionsEveryone || (this.userId !== undefined && message.mentions.includes(this.userId));
  }

  /** A command over the WebSocket when it is open, else the same call over REST (their replies match). */
  private command<C extends CommandName>(
    cmd: C,
    data: CommandRequest<C>,
    [method, path, body]: [method: string, path: string, body?: unknown],
  ): Promise<CommandReply<C>> {
    if (this.state === "open") return this.request(cmd, data);
    return this.rest.request<CommandReply<C>>(method, path, body);
  }

  private updatePresence(presence: Presence): void {
    this.presence.set(presence.userId, presence);
    this.emit("presence", presence);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", state);
  }
}

function messagePath(conversationId: string, messageId: string): string {
  return `/api/v1/conversations/${conversationId}/messages/${messageId}`;
}

/** A client id for idempotent sends: random, URL-safe, 22+ characters. */
export function newClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
