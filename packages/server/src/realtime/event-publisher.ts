import type { EventData, LoggedChange, Message } from "@hallway/protocol";

/**
 * A change in a conversation's log, published after its transaction commits: a new message,
 * or a change to one (deleted, edited…) whose data carries its own `seq`.
 */
export type ConversationEvent = MessageCreated | ChangeLogged;

export interface MessageCreated {
  type: "message.created";
  conversationId: string;
  seq: number;
  message: Message;
}

export interface ChangeLogged<T extends LoggedChange = LoggedChange> {
  type: T;
  conversationId: string;
  seq: number;
  data: EventData<T>;
}

/** A change to who belongs to a conversation: the realtime layer adjusts its routing. */
export type MembershipChange = {
  conversationId: string;
  conversationKind: string;
  added: string[];
  removed: string[];
};

/** A member's read or delivered position moved (ephemeral: the position itself is the state). */
export type ReceiptMove = {
  conversationId: string;
  conversationKind: string;
  userId: string;
  lastReadSeq?: number;
  lastDeliveredSeq?: number;
  /** The reader's unread count after the move, for their own devices. */
  unreadCount?: number;
};

/**
 * Where services hand committed changes for delivery. The realtime gateway implements it;
 * services never know about sockets.
 */
export interface EventPublisher {
  publish(events: ConversationEvent[]): void;
  membershipChanged(change: MembershipChange): void;
  sessionsRevoked(userId: string, sessionIds: string[] | "all"): void;
  receiptMoved(move: ReceiptMove): void;
}

/** Used where nothing listens (tests of services alone, scripts). */
export const NO_PUBLISHER: EventPublisher = {
  publish() {},
  membershipChanged() {},
  sessionsRevoked() {},
  receiptMoved() {},
};
