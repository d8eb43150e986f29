import type { COMMANDS, CommandName } from "@hallway/protocol";
import { notFound } from "../errors.ts";
import type { ServiceContext } from "../services/context.ts";
import { listConversations } from "../services/conversations/get-conversations.ts";
import { deleteMessage } from "../services/messages/delete-message.ts";
import { editMessage } from "../services/messages/edit-message.ts";
import { forwardMessage } from "../services/messages/forward-message.ts";
import { listPins, pinMessage } from "../services/messages/pin-message.ts";
import { readHistory } from "../services/messages/read-history.ts";
import { readThread } from "../services/messages/read-thread.ts";
import { sendMessage } from "../services/messages/send-message.ts";
import { listReactions } from "../services/reactions/list-reactions.ts";
import { setReaction } from "../services/reactions/set-reaction.ts";
import { getReceipts } from "../services/receipts/get-receipts.ts";
import { markDelivered, markRead } from "../services/receipts/move-position.ts";
import { searchMessages } from "../services/search/search-messages.ts";
import type { Connection } from "./connection.ts";
import type { Hub } from "./hub.ts";
import type { PresenceTracker } from "./presence.ts";
import type { TypingRelay } from "./typing.ts";

export interface Realtime {
  ctx: ServiceContext;
  hub: Hub;
  presence: PresenceTracker;
  typing: TypingRelay;
}

type Handler<C extends CommandName> = (
  rt: Realtime,
  connection: Connection,
  data: ReturnType<(typeof COMMANDS)[C]["request"]["parse"]>,
) => Promise<unknown>;

/**
 * What each WebSocket command does. Commands call the same services as REST, so the two
 * paths answer the same and obey the same rules.
 */
export const HANDLERS: { [C in CommandName]: Handler<C> } = {
  "session.resume": async (rt, connection, data) => {
    const replayed = await rt.hub.resume(connection, data.positions);
    const { conversations, totalUnread } = await listConversations(rt.ctx, connection.principal, "all");
    // The list can see a message whose live event is still on its way to this socket. Send
    // everything up to each lastSeq first: a client that takes its positions from the reply
    // must not skip that event when it comes.
    await Promise.all(conversations.map((c) => connection.streams.get(c.id)?.want(c.lastSeq)));
    return { conversations, totalUnread, replayed, self: await rt.presence.self(connection.userId) };
  },
  "message.send": async (rt, connection, data) => {
    const result = await sendMessage(rt.ctx, connection.principal, data);
    rt.typing.stop(data.conversationId, connection.userId);
    return result;
  },
  "message.edit": (rt, connection, data) => editMessage(rt.ctx, connection.principal, data),
  "message.pin": (rt, connection, data) => pinMessage(rt.ctx, connection.principal, data),
  "pins.list": (rt, connection, data) => listPins(rt.ctx, connection.principal, data.conversationId),
  "message.forward": (rt, connection, data) => forwardMessage(rt.ctx, connection.principal, data),
  "thread.fetch": (rt, connection, data) => {
    const { conversationId, messageId, ...page } = data;
    return readThread(rt.ctx, connection.principal, conversationId, messageId, page);
  },
  "message.delete": (rt, connection, data) =>
    deleteMessage(rt.ctx, connection.principal, data.conversationId, data.messageId),
  "reaction.toggle": (rt, connection, data) => setReaction(rt.ctx, connection.principal, data),
  "reaction.list": (rt, connection, data) =>
    listReactions(rt.ctx, connection.principal, data.conversationId, data.messageId),
  "history.fetch": (rt, connection, data) => {
    const { conversationId, ...page } = data;
    return readHistory(rt.ctx, connection.principal, conversationId, page);
  },
  "search.messages": (rt, connection, data) => searchMessages(rt.ctx, connection.principal, data),
  "conversation.read": (rt, connection, data) =>
    markRead(rt.ctx, connection.principal, data.conversationId, data.seq),
  "conversation.delivered": (rt, connection, data) =>
    markDelivered(rt.ctx, connection.principal, data.conversationId, data.seq),
  "receipts.get": (rt, connection, data) =>
    getReceipts(rt.ctx, connection.principal, data.conversationId, data.seq),
  "typing.start": async (rt, connection, data) => {
    requireFollowing(connection, data.conversationId);
    rt.typing.start(connection, data.conversationId);
    return {};
  },
  "typing.stop": async (rt, connection, data) => {
    requireFollowing(connection, data.conversationId);
    rt.typing.stop(data.conversationId, connection.userId);
    return {};
  },
  "presence.set": async (rt, connection, data) => {
    rt.presence.setActivity(connection, data.state);
    return { self: await rt.presence.self(connection.userId) };
  },
  "status.set": async (rt, connection, data) => {
    await rt.presence.setStatus(connection.userId, data);
    return { self: await rt.presence.self(connection.userId) };
  },
  "presence.subscribe": async (rt, connection, data) => ({
    presences: await rt.presence.subscribe(connection, data.userIds),
  }),
  ping: async () => ({ serverTime: new Date().toISOString() }),
};

/** Typing needs the conversation's stream, which exists only for members after resume. */
function requireFollowing(connection: Connection, conversationId: string): void {
  if (!connection.streams.has(conversationId)) throw notFound.conversation();
}
