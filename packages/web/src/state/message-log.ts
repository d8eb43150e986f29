import type { EventData, Message, ReactionCount } from "@hallway/protocol";

/** Merges pages and live messages into one list in sequence order, each sequence number once. */
export function mergeMessages(current: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return current;
  const last = current.at(-1);
  // The common case, a live message after the last one: append without a sort.
  if (incoming.length === 1 && (!last || incoming[0]!.seq > last.seq)) return [...current, incoming[0]!];
  const bySeq = new Map<number, Message>();
  for (const message of current) bySeq.set(message.seq, message);
  for (const message of incoming) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** A change to messages already shown, as the event stream reports it. */
export type MessageChange =
  | { type: "edited"; event: EventData<"message.edited"> }
  | { type: "deleted"; event: EventData<"message.deleted"> }
  | { type: "reaction"; event: EventData<"reaction.updated">; myId: string }
  | { type: "pinned"; event: EventData<"pin.updated"> }
  /** `replaying`: it came with a resume, when its parent may be a copy that counts it already. */
  | { type: "reply"; reply: Message; replaying: boolean };

/**
 * Applies a change to a list of messages; the same list comes back when none of them is
 * concerned, so React skips the render.
 */
export function applyChange(messages: Message[], change: MessageChange): Message[] {
  const id = change.type === "reply" ? change.reply.parentId : change.event.messageId;
  const at = messages.findIndex((m) => m.id === id);
  if (at < 0) return messages;
  const updated = changeMessage(messages[at]!, change);
  if (updated === messages[at]) return messages;
  const next = [...messages];
  next[at] = updated;
  return next;
}

/** One message with the change applied. */
export function changeMessage(message: Message, change: MessageChange): Message {
  switch (change.type) {
    case "edited": {
      const { text, mentions, mentionsEveryone, editedAt } = change.event;
      if (message.deleted || (message.editedAt && message.editedAt >= editedAt)) return message;
      return { ...message, text, mentions, mentionsEveryone, editedAt };
    }
    case "deleted":
      if (message.deleted) return message;
      // The tombstone: what it said and carried is gone for everyone.
      return { ...message, deleted: true, text: "", attachments: [], mentions: [], mentionsEveryone: false };
    case "reaction": {
      const { emoji, count, userId, added } = change.event;
      return {
        ...message,
        reactions: setReaction(
          message.reactions ?? [],
          emoji,
          count,
          userId === change.myId ? added : undefined,
        ),
      };
    }
    case "pinned": {
      const { pinned, pinnedAt, actorId } = change.event;
      if (!pinned) return message.pinnedAt ? { ...message, pinnedAt: null, pinnedBy: null } : message;
      // A replayed pin older than the copy shown changes nothing.
      if (message.pinnedAt && pinnedAt && message.pinnedAt >= pinnedAt) return message;
      return { ...message, pinnedAt, pinnedBy: actorId };
    }
    case "reply": {
      // The parent's copy counts the replies up to its `lastReplyAt`: one no later than that is
      // in its count already (a page or a replayed message read after it). Two replies sent in
      // the same instant are told apart by being live: a replay's parent counts both.
      const { reply } = change;
      const last = message.lastReplyAt;
      if (last && (reply.createdAt < last || (reply.createdAt === last && change.replaying))) return message;
      return { ...message, replyCount: message.replyCount + 1, lastReplyAt: reply.createdAt };
    }
  }
}

/** The reactions with one emoji's count set (and mine, when the change was mine); gone at zero. */
export function setReaction(
  reactions: ReactionCount[],
  emoji: string,
  count: number,
  me: boolean | undefined,
): ReactionCount[] {
  const known = reactions.find((r) => r.emoji === emoji);
  if (count <= 0) return reactions.filter((r) => r.emoji !== emoji);
  if (!known) return [...reactions, { emoji, count, me: me ?? false }];
  return reactions.map((r) => (r.emoji === emoji ? { emoji, count, me: me ?? r.me } : r));
}

/** Messages of the main timeline: thread replies live in their thread. */
export function isTopLevel(message: Message): boolean {
  return message.parentId === null;
}
