import { z } from "zod";
import { CONTROL_CHARACTERS, Id, IsoDate } from "./common.ts";
import { ConversationSummary } from "./conversations.ts";
import {
  ClientId,
  EditMessageBody,
  HistoryQuery,
  hasContent,
  Message,
  MessagePage,
  PinList,
  RepliesQuery,
  SEND_FIELDS,
  ThreadPage,
} from "./messages.ts";
import { Emoji, ReactionList, ReactionResult } from "./reactions.ts";
import { SearchMessagesQuery, SearchMessagesResult } from "./search.ts";

/**
 * The WebSocket protocol, version 1. Connect to `/ws?v=1&token=<access token>` (optionally
 * `&client=<app name>&platform=<web|ios|android|desktop|server>`). Every frame is one JSON text.
 *
 * - Client → server, a command: `{"id": "7", "cmd": "message.send", "data": {...}}`
 * - Server → client, its reply: `{"re": "7", "ok": true, "data": {...}}` or
 *   `{"re": "7", "ok": false, "error": {"code": "...", "message": "..."}}`
 * - Server → client, an event: `{"ev": "message.created", "data": {...}}`
 *
 * Conversation events (those with a `seq`) are delivered in order and exactly once per
 * connection after `session.resume`; everything else is ephemeral.
 */
export const PROTOCOL_VERSION = 1;

/** Largest frame a client may send; larger ones get PAYLOAD_TOO_LARGE (over 1 MiB: close 1009). */
export const MAX_FRAME_BYTES = 64 * 1024;

export const CLOSE_CODES = {
  /** The server is shutting down or restarting: reconnect (to another process if you can) and resume. */
  SERVER_SHUTDOWN: 4000,
  /** The connection fell too far behind (its send buffer passed the bound): reconnect and resume. */
  SLOW_CONSUMER: 4001,
  /** No pong to the server's pings: reconnect and resume. */
  HEARTBEAT_TIMEOUT: 4002,
  /** Too many frames: reconnect after a pause and resume. */
  RATE_LIMITED: 4008,
  /** The access token expired: refresh it, then reconnect. */
  TOKEN_EXPIRED: 4401,
  /** No or unknown token: sign in again; do not retry with the same token. */
  UNAUTHENTICATED: 4500,
  /** The session was signed out or the user deactivated: stop. */
  SESSION_REVOKED: 4501,
  /** This protocol version is not served here: upgrade the client. */
  UNSUPPORTED_VERSION: 4502,
  /** The client kept sending frames that are not JSON commands: fix the client. */
  PROTOCOL_VIOLATION: 4503,
} as const;

export const CLOSE_CODE_DESCRIPTIONS: Record<keyof typeof CLOSE_CODES, string> = {
  SERVER_SHUTDOWN:
    "The server is shutting down or restarting: reconnect (to another process if you can) and resume.",
  SLOW_CONSUMER:
    "The connection fell too far behind (its send buffer passed the bound): reconnect and resume.",
  HEARTBEAT_TIMEOUT: "No pong to the server's pings within the idle timeout: reconnect and resume.",
  RATE_LIMITED: "The client flooded the server with frames: wait, then reconnect and resume.",
  TOKEN_EXPIRED: "The access token expired: refresh it, then reconnect.",
  UNAUTHENTICATED: "No token, or not a valid one: sign in again; retrying with the same token will not help.",
  SESSION_REVOKED: "The session was signed out or the user was deactivated: stop reconnecting.",
  UNSUPPORTED_VERSION: "The requested protocol version is not served here: upgrade the client.",
  PROTOCOL_VIOLATION: "The client kept sending frames that are not commands: fix the client.",
};

/** Whether a close code tells the client to reconnect (4000–4499) or stop (4500–4999). */
export function shouldReconnect(code: number): boolean {
  return code < 4500;
}

export const PresenceStatus = z.enum(["online", "away", "idle", "offline"]);
export type PresenceStatus = z.infer<typeof PresenceStatus>;

export const Device = z.object({ client: z.string(), platform: z.string(), connectedAt: IsoDate });

export const CustomStatus = z.object({
  text: z.string().nullable(),
  emoji: z.string().nullable(),
  expiresAt: IsoDate.nullable(),
});

export const Presence = z.object({
  userId: Id,
  status: PresenceStatus,
  /** When the user was last connected; null while online (or never seen). */
  lastSeenAt: IsoDate.nullable(),
  custom: CustomStatus.nullable(),
  devices: z.array(Device),
});
export type Presence = z.infer<typeof Presence>;

/** What the user sees of themself: their own presence plus whether they are invisible. */
export const SelfPresence = Presence.extend({ invisible: z.boolean() });

const ConversationRef = z.strictObject({ conversationId: Id });

/** Status text as typed: may be empty (which clears it), but no control characters. */
function statusText(max: number) {
  return z
    .string()
    .max(max)
    .refine((s) => !CONTROL_CHARACTERS.test(s), "must not contain control characters");
}

/** Every command: its request data and its reply data. */
export const COMMANDS = {
  "session.resume": {
    request: z.strictObject({
      /** The last sequence number seen per conversation; missed events follow before the reply. */
      positions: z.record(Id, z.number().int().min(0)).default({}),
    }),
    reply: z.object({
      conversations: z.array(ConversationSummary),
      totalUnread: z.number().int(),
      /** Conversations whose missed events were replayed, with how many. */
      replayed: z.record(z.string(), z.number().int()),
      self: SelfPresence,
    }),
    doc: "Start or resume the event stream. Positions are the last `seq` seen per conversation; the server replays every event after them, in order, before replying. Conversations not named start from now. Send it first after every connect.",
  },
  "message.send": {
    request: ConversationRef.extend(SEND_FIELDS).refine(hasContent, {
      message: "give `text`, `attachmentIds` or both",
      path: ["text"],
    }),
    reply: z.object({ message: Message, duplicate: z.boolean() }),
    doc: "Send a message: text, uploaded attachments (`attachmentIds`) or both, optionally as a thread reply (`parentId`). `@username` mentions a member; `@everyone` mentions all where the policy allows. Idempotent by `clientId`. The reply comes after commit and carries the sequence number and server time. Exactly as POST /api/v1/conversations/{id}/messages.",
  },
  "message.edit": {
    request: ConversationRef.extend({ messageId: Id, text: EditMessageBody.shape.text }),
    reply: z.object({ message: Message }),
    doc: "Change the text of your own message. Every member gets `message.edited`; the message shows `editedAt`, and its earlier text is kept for moderators. Exactly as PATCH /api/v1/conversations/{id}/messages/{messageId}.",
  },
  "message.pin": {
    request: ConversationRef.extend({ messageId: Id, pinned: z.boolean() }),
    reply: z.object({ message: Message, changed: z.boolean() }),
    doc: "Pin a message to the conversation (`pinned: true`) or unpin it, if you run the conversation (or either person in a direct one). Members get `pin.updated`; a repeat changes nothing. Exactly as PUT /api/v1/conversations/{id}/messages/{messageId}/pin.",
  },
  "pins.list": {
    request: ConversationRef,
    reply: PinList,
    doc: "The conversation's pinned messages, most recently pinned first, exactly as GET /api/v1/conversations/{id}/pins.",
  },
  "message.forward": {
    request: ConversationRef.extend({ messageId: Id, targetConversationId: Id, clientId: ClientId }),
    reply: z.object({ message: Message, duplicate: z.boolean() }),
    doc: "Forward a message of a conversation you are in to one you may post in: a new message with the same text and attachments and `forwardedFrom`. Idempotent by `clientId`. Exactly as POST /api/v1/conversations/{id}/messages/{messageId}/forward.",
  },
  "thread.fetch": {
    request: z.intersection(ConversationRef.extend({ messageId: Id }), RepliesQuery),
    reply: ThreadPage,
    doc: "A thread: the top-level message and a page of its replies, exactly as GET /api/v1/conversations/{id}/messages/{messageId}/replies.",
  },
  "message.delete": {
    request: ConversationRef.extend({ messageId: Id }),
    reply: z.object({ deletedBy: z.enum(["author", "moderator"]) }),
    doc: 'Delete a message: your own (`deletedBy: "author"`), or anyone\'s if you moderate the conversation (`"moderator"`). Every member gets `message.deleted` and shows a tombstone; the text is never sent again. Deleting a deleted message changes nothing. Exactly as DELETE /api/v1/conversations/{id}/messages/{messageId}.',
  },
  "reaction.toggle": {
    request: ConversationRef.extend({
      messageId: Id,
      emoji: Emoji,
      /** true adds your reaction, false removes it (both safe to retry); left out, it flips. */
      add: z.boolean().optional(),
    }),
    reply: ReactionResult,
    doc: "React to a message with an emoji, or take your reaction back. Every member gets `reaction.updated` with the new count; a repeat changes nothing (`seq` null). Exactly as PUT / DELETE /api/v1/conversations/{id}/messages/{messageId}/reactions/{emoji}.",
  },
  "reaction.list": {
    request: ConversationRef.extend({ messageId: Id }),
    reply: ReactionList,
    doc: "Who reacted to a message with what, exactly as GET /api/v1/conversations/{id}/messages/{messageId}/reactions.",
  },
  "history.fetch": {
    request: z.intersection(ConversationRef, HistoryQuery),
    reply: MessagePage,
    doc: "A page of history, exactly as GET /api/v1/conversations/{id}/messages.",
  },
  "search.messages": {
    request: SearchMessagesQuery,
    reply: SearchMessagesResult,
    doc: 'Full-text search over the messages of your conversations, exactly as GET /api/v1/search/messages: `q` in web-search syntax (words, "phrases", `or`, `-word`) with inline filters `from:username`, `in:name`, `has:image|file|audio|attachment`, `after:` and `before:` a day; best match first (or `sort: "recent"`), with highlight ranges, and `nextCursor` for the next page.',
  },
  "conversation.read": {
    request: ConversationRef.extend({ seq: z.number().int().min(0) }),
    reply: z.object({ lastReadSeq: z.number().int(), unreadCount: z.number().int() }),
    doc: "Mark everything up to `seq` as read (implies delivered). Positions only move forward.",
  },
  "conversation.delivered": {
    request: ConversationRef.extend({ seq: z.number().int().min(0) }),
    reply: z.object({ lastDeliveredSeq: z.number().int() }),
    doc: "Acknowledge that this device received everything up to `seq`.",
  },
  "receipts.get": {
    request: ConversationRef.extend({ seq: z.number().int().min(1) }),
    reply: z.object({
      seq: z.number().int(),
      readBy: z.array(Id),
      deliveredTo: z.array(Id),
      /** Members other than the sender. */
      recipientCount: z.number().int(),
    }),
    doc: "Who has read and received the message at `seq` (from members' positions).",
  },
  "typing.start": {
    request: ConversationRef,
    reply: z.object({}),
    doc: "Tell the other members you are typing. Repeat every ~3 s while typing; it expires 5 s after the last one.",
  },
  "typing.stop": { request: ConversationRef, reply: z.object({}), doc: "Stop the typing indicator at once." },
  "presence.set": {
    request: z.strictObject({ state: z.enum(["active", "away"]) }),
    reply: z.object({ self: SelfPresence }),
    doc: "Report this device's activity: `away` when the person is inactive, `active` when they are back.",
  },
  "status.set": {
    request: z.strictObject({
      text: statusText(140).nullable().optional(),
      emoji: statusText(16).nullable().optional(),
      /** When the custom status clears itself (ISO 8601 with a zone); null for never. */
      expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
      invisible: z.boolean().optional(),
    }),
    reply: z.object({ self: SelfPresence }),
    doc: "Set the custom status (text, emoji, expiry) and invisible mode. Omitted fields keep their value; null clears.",
  },
  "presence.subscribe": {
    request: z.strictObject({ userIds: z.array(Id).max(500) }),
    reply: z.object({ presences: z.array(Presence) }),
    doc: "Replace the set of people whose presence this connection follows (those on screen). Only people you share a direct, group, section or support conversation with are visible; others are left out of the reply.",
  },
  ping: {
    request: z.object({}).optional(),
    reply: z.object({ serverTime: IsoDate }),
    doc: "Round trip check; replies with the server time.",
  },
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandRequest<C extends CommandName> = z.input<(typeof COMMANDS)[C]["request"]>;
export type CommandReply<C extends CommandName> = z.output<(typeof COMMANDS)[C]["reply"]>;

export const CommandFrame = z.strictObject({
  id: z.union([z.string().min(1).max(64), z.number().int()]),
  cmd: z.string().min(1).max(64),
  data: z.unknown().optional(),
});

/** Every event: its data. */
export const EVENTS = {
  "session.ready": {
    data: z.object({
      userId: Id,
      connectionId: z.string(),
      protocolVersion: z.number().int(),
      heartbeatMs: z.number().int(),
    }),
    doc: "Sent once on connect. Reply with `session.resume`.",
  },
  "message.created": {
    data: Message,
    doc: "A new message (text or system) in a conversation, in `seq` order.",
  },
  "message.deleted": {
    data: z.object({
      conversationId: Id,
      /** This event's position in the log. */
      seq: z.number().int(),
      messageId: Id,
      /** The deleted message's own sequence number. */
      messageSeq: z.number().int(),
      senderId: Id.nullable(),
      /** Who deleted it: the author, or a moderator removing it. */
      deletedBy: z.enum(["author", "moderator"]),
      actorId: Id,
    }),
    doc: "A message was deleted (by its author) or removed (by a moderator): show a tombstone in its place. Logged: replayed on resume.",
  },
  "message.edited": {
    data: z.object({
      conversationId: Id,
      /** This event's position in the log. */
      seq: z.number().int(),
      messageId: Id,
      /** The edited message's own sequence number. */
      messageSeq: z.number().int(),
      /** The new text and mentions. */
      text: z.string(),
      mentions: z.array(Id),
      mentionsEveryone: z.boolean(),
      editedAt: IsoDate,
    }),
    doc: "The author changed a message's text: replace it and show it as edited. Logged: replayed on resume.",
  },
  "pin.updated": {
    data: z.object({
      conversationId: Id,
      /** This event's position in the log. */
      seq: z.number().int(),
      messageId: Id,
      /** The message's own sequence number. */
      messageSeq: z.number().int(),
      pinned: z.boolean(),
      /** Who pinned or unpinned it. */
      actorId: Id,
      pinnedAt: IsoDate.nullable(),
    }),
    doc: "A message was pinned to the conversation or unpinned. Logged: replayed on resume.",
  },
  "reaction.updated": {
    data: z.object({
      conversationId: Id,
      /** This event's position in the log. */
      seq: z.number().int(),
      messageId: Id,
      emoji: z.string(),
      /** Who reacted, or took their reaction back. */
      userId: Id,
      /** true: added; false: removed. */
      added: z.boolean(),
      /** How many people now react to the message with this emoji. */
      count: z.number().int(),
    }),
    doc: "Someone added or removed a reaction: set the message's count for `emoji` to `count` (and your own `me` when `userId` is you). Logged: replayed on resume, so an offline client catches up.",
  },
  "conversation.joined": {
    data: z.object({ conversationId: Id }),
    doc: "You were added to a conversation (or created one): fetch it and add it to your list.",
  },
  "conversation.left": {
    data: z.object({ conversationId: Id }),
    doc: "You left or were removed from a conversation.",
  },
  "read.updated": {
    data: z.object({
      conversationId: Id,
      userId: Id,
      lastReadSeq: z.number().int(),
      unreadCount: z.number().int().optional(),
    }),
    doc: "A member's read position moved. Sent to all members of conversations up to 100 members, and to the reader's own devices (with their `unreadCount`) everywhere.",
  },
  "delivered.updated": {
    data: z.object({ conversationId: Id, userId: Id, lastDeliveredSeq: z.number().int() }),
    doc: "A member's delivered position moved (conversations up to 100 members, and the member's own devices).",
  },
  "typing.started": {
    data: z.object({ conversationId: Id, userId: Id, expiresInMs: z.number().int() }),
    doc: "Someone is typing; hide it after `expiresInMs` unless refreshed.",
  },
  "typing.stopped": {
    data: z.object({ conversationId: Id, userId: Id }),
    doc: "Someone stopped typing (or sent their message).",
  },
  "presence.changed": {
    data: Presence,
    doc: "The presence of someone you follow (see `presence.subscribe`) changed.",
  },
  "self.changed": {
    data: SelfPresence,
    doc: "Your own presence or status changed (on any of your devices).",
  },
} as const;

export type EventName = keyof typeof EVENTS;
export type EventData<E extends EventName> = z.output<(typeof EVENTS)[E]["data"]>;

export type ServerFrame =
  | { re: string | number; ok: true; data: unknown }
  | { re: string | number | null; ok: false; error: { code: string; message: string; details?: unknown } }
  | { ev: EventName; data: unknown };

/** Conversation events carry a seq and are replayed on resume; the rest are ephemeral. */
export const LOGGED_EVENTS: EventName[] = [
  "message.created",
  "message.edited",
  "message.deleted",
  "pin.updated",
  "reaction.updated",
];

/** The logged events other than message.created: their data carries `conversationId` and `seq`. */
export type LoggedChange = "message.edited" | "message.deleted" | "pin.updated" | "reaction.updated";
