import { z } from "zod";
import { Attachment, MAX_ATTACHMENTS_PER_MESSAGE } from "./attachments.ts";
import { humanText, Id, IsoDate } from "./common.ts";
import { ReactionCount } from "./reactions.ts";

/** The longest text message, in UTF-16 code units. */
export const MAX_TEXT_LENGTH = 8_000;

export const MessageText = humanText(MAX_TEXT_LENGTH);

/**
 * How a text mentions someone: `@name` at the start, or after a space, an opening bracket or
 * quote, or a formatting marker (`**@ana**`), so an e-mail address (`ana@school.org`) mentions
 * nobody. A name is a username's characters; trailing dots and dashes are punctuation
 * ("thanks @ana." mentions `ana`). The server resolves mentions by it; clients highlight by it.
 * Global: use it with `matchAll` or `replace`, which leave it as it was.
 */
export const MENTION_PATTERN = /(?<=^|[\s([{"'«“*_~])@([a-zA-Z0-9][a-zA-Z0-9._-]{0,63})/g;

/** Names that mention every member: `@everyone`, `@all`. */
export const EVERYONE_WORDS: readonly string[] = ["everyone", "all"];

/** A client-generated id: a retried send with the same id lands once. A UUID is a good choice. */
export const ClientId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '_' or '-'");

/**
 * `file`, `image` and `audio` (a voice note or other sound) are messages with an attachment: the
 * database and search (`has:`) know them already; sending them comes with attachments.
 */
export const MessageKind = z.enum(["text", "system", "file", "image", "audio"]);

/** What a system message records: a change in the conversation made by `actorId`. */
export const SystemEvent = z.object({
  action: z.enum([
    "conversation.created",
    "member.added",
    "member.removed",
    "member.left",
    "member.promoted",
    "member.demoted",
    /** Support conversations: `actorId` claimed it (took it on for the desk). */
    "support.claimed",
    /** Support conversations: `actorId` marked it resolved. */
    "support.resolved",
    /** Support conversations: the asker (`actorId`) wrote again after it was resolved, so it is open again. */
    "support.reopened",
    /** Joined through an invite link: `actorId` and `userIds` are the newcomer. */
    "member.joined",
  ]),
  actorId: Id.nullable(),
  userIds: z.array(Id),
});
export type SystemEvent = z.infer<typeof SystemEvent>;

/** Where a forwarded message came from: shown as "Forwarded from …". */
export const ForwardedFrom = z.object({
  messageId: Id,
  conversationId: Id,
  /** Who wrote the original (null for a notice, which cannot be forwarded anyway). */
  senderId: Id.nullable(),
  createdAt: IsoDate,
});
export type ForwardedFrom = z.infer<typeof ForwardedFrom>;

export const Message = z.object({
  id: Id,
  conversationId: Id,
  /** Position in the conversation's log: strictly increasing, gap-free per conversation. */
  seq: z.number().int(),
  senderId: Id.nullable(),
  kind: MessageKind,
  text: z.string(),
  system: SystemEvent.nullable(),
  clientId: z.string().nullable(),
  createdAt: IsoDate,
  /**
   * Reactions by emoji, in the order they were first used. History and single-message reads
   * carry them; a live `message.created` may leave them out (a new message has none).
   */
  reactions: z.array(ReactionCount).optional(),
  /** A tombstone: the message was deleted by its author or removed by a moderator; `text` and `attachments` are empty. */
  deleted: z.boolean(),
  /** When the author last changed the text; null if never (show "edited" otherwise). */
  editedAt: IsoDate.nullable(),
  /** A thread reply: the top-level message it answers. */
  parentId: Id.nullable(),
  /** A top-level message: how many replies its thread has (deleted ones included, as tombstones). */
  replyCount: z.number().int(),
  /** When the latest reply was sent; null without replies. */
  lastReplyAt: IsoDate.nullable(),
  /** Members named with `@username` in the text, resolved when it was sent or edited. */
  mentions: z.array(Id),
  /** The text says `@everyone` (or `@all`) and the sender was allowed to. */
  mentionsEveryone: z.boolean(),
  /** Files, pictures and voice notes, in the order they were attached. */
  attachments: z.array(Attachment),
  /** Pinned to the conversation: when, and by whom; null when not pinned. */
  pinnedAt: IsoDate.nullable(),
  pinnedBy: Id.nullable(),
  /** A forwarded copy: where it came from. */
  forwardedFrom: ForwardedFrom.nullable(),
});
export type Message = z.infer<typeof Message>;

/**
 * What a send carries besides the conversation: text, attachments or both, optionally as a
 * thread reply. Shared by REST and `message.send`.
 */
export const SEND_FIELDS = {
  clientId: ClientId,
  /** The text; may be left out when attachments are given (a photo needs no caption). */
  text: MessageText.optional(),
  /** Uploads to this conversation (POST …/attachments) not yet in a message. */
  attachmentIds: z.array(Id).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
  /** Reply in the thread of this top-level message. */
  parentId: Id.optional(),
};

/** A send needs something to show: text or at least one attachment. */
export function hasContent(body: { text?: string; attachmentIds?: string[] }): boolean {
  return body.text !== undefined || (body.attachmentIds?.length ?? 0) > 0;
}

export const SendMessageBody = z
  .strictObject(SEND_FIELDS)
  .refine(hasContent, { message: "give `text`, `attachmentIds` or both", path: ["text"] });
export type SendMessageBody = z.infer<typeof SendMessageBody>;

export const EditMessageBody = z.strictObject({ text: MessageText });

/** A message's earlier texts, for those who moderate the conversation (never shown to members). */
export const MessageEdits = z.object({
  messageId: Id,
  edits: z.array(
    z.object({
      /** The text as it was before this edit. */
      previousText: z.string(),
      editorId: Id,
      editedAt: IsoDate,
    }),
  ),
});

export const RepliesQuery = z.strictObject({
  /** Replies with a sequence number above this one, oldest first. */
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** A thread: the top-level message and a page of its replies in sequence order. */
export const ThreadPage = z.object({
  parent: Message,
  replies: z.array(Message),
  hasMore: z.boolean(),
});

export const SendMessageResult = z.object({
  message: Message,
  /** `true` when this client id had already landed: the message is the first one's. */
  duplicate: z.boolean(),
});

export const HistoryQuery = z
  .strictObject({
    /** Messages with a sequence number below this one, newest first page by page. */
    before: z.coerce.number().int().min(1).optional(),
    /** Messages with a sequence number above this one, oldest first. */
    after: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => q.before === undefined || q.after === undefined, "give `before` or `after`, not both");

/** Always in ascending sequence order; `hasMore` says whether the same direction has more. */
export const MessagePage = z.object({ messages: z.array(Message), hasMore: z.boolean() });

export const MessageParams = z.strictObject({ conversationId: Id, messageId: Id });

export const PositionBody = z.strictObject({ seq: z.number().int().min(0) });

export const ReadResult = z.object({ lastReadSeq: z.number().int(), unreadCount: z.number().int() });
export const DeliveredResult = z.object({ lastDeliveredSeq: z.number().int() });

/** Who has read and received one message, from members' positions. */
export const Receipts = z.object({
  seq: z.number().int(),
  readBy: z.array(Id),
  deliveredTo: z.array(Id),
  /** Members other than the sender. */
  recipientCount: z.number().int(),
});

/** A conversation's pinned messages, most recently pinned first. */
export const PinList = z.object({ messages: z.array(Message) });

export const PinBody = z.strictObject({ pinned: z.boolean() });

/** The most messages a conversation keeps pinned. */
export const MAX_PINS_PER_CONVERSATION = 50;

export const ForwardBody = z.strictObject({
  /** Where the copy goes: a conversation you may post in. */
  targetConversationId: Id,
  /** The copy's client id: a retried forward lands once. */
  clientId: ClientId,
});
