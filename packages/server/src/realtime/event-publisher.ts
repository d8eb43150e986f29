import type { Message } from "@hallway/protocol";

/** A change in a conversation's log, published after its transaction commits. */
export type ConversationEvent = {
  type: "message.created";
  conversationId: string;
  seq: number;
  message: Message;
};

/** A change to who belongs to a conversation: the realtime layer adjusts its routing. */
export type MembershipChange = { conversationId: string; added: string[]; removed: string[] };

/**
 * Where services hand committed changes for delivery. The realtime gateway implements it;
 * services never know about sockets.
 */
export interface EventPublisher {
  publish(events: ConversationEvent[]): void;
  membershipChanged(change: MembershipChange): void;
  sessionsRevoked(userId: string, sessionIds: string[] | "all"): void;
}

/** Used where nothing listens (tests of services alone, scripts). */
export const NO_PUBLISHER: EventPublisher = { publish() {}, membershipChanged() {}, sessionsRevoked() {} };
