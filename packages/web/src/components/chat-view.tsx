import type { ConversationSummary, Message } from "@hallway/protocol";
import { useCallback, useEffect } from "react";
import { useConnectionState, useOnline } from "../hooks/use-connection.ts";
import { usePeople } from "../hooks/use-directory.ts";
import { useGroupReceipt } from "../hooks/use-group-receipt.ts";
import { useJumpToMessage } from "../hooks/use-jump-to-message.ts";
import { useMarkRead } from "../hooks/use-mark-read.ts";
import { useMembers } from "../hooks/use-members.ts";
import { useMessages } from "../hooks/use-messages.ts";
import { useTypingUsers } from "../hooks/use-typing.ts";
import { conversationTitle } from "../lib/conversation-title.ts";
import { useHallway } from "../session/hallway-context.ts";
import { usePendingSends } from "../state/pending-sends.ts";
import { ChatHeader } from "./chat-header.tsx";
import { Composer } from "./composer.tsx";
import type { DeliveryState } from "./delivery-ticks.tsx";
import { MessageList } from "./message-list.tsx";
import { TypingIndicator } from "./typing-indicator.tsx";

/** One open conversation: header, history, typing, and the message box. */
export function ChatView(props: {
  conversation: ConversationSummary;
  onBack(): void;
  /** Reports who is in the conversation, so their presence is followed. */
  onMembers(userIds: string[]): void;
  /** A message to bring into view (chosen in the search results); `onJumped` once it is. */
  jumpToSeq?: number;
  onJumped?(): void;
}) {
  const { conversation, onMembers } = props;
  const { me } = useHallway();
  const history = useMessages(conversation.id);
  const members = useMembers(conversation.id);
  const typingIds = useTypingUsers(conversation.id);
  const outbox = usePendingSends();
  const connection = useConnectionState();
  const online = useOnline();
  const direct = conversation.kind === "direct";
  const title = conversationTitle(conversation);

  const senderIds = [
    ...new Set(
      history.messages.flatMap((m) => [m.senderId, m.system?.actorId, ...(m.system?.userIds ?? [])]),
    ),
  ].filter((id): id is string => Boolean(id));
  const personOf = usePeople([...senderIds, ...typingIds]);
  const nameOf = useCallback(
    (userId: string | null) => {
      if (userId === me.id) return "You";
      if (!userId) return "Someone";
      return personOf(userId)?.displayName ?? "Someone";
    },
    [me.id, personOf],
  );

  useEffect(() => onMembers(members.map((m) => m.user.id)), [members, onMembers]);
  useMarkRead(conversation.id, conversation.unreadCount, history.messages.at(-1)?.seq ?? 0);
  useJumpToMessage(history, props.jumpToSeq, props.onJumped ?? noop);

  const landed = new Set(history.messages.map((m) => m.clientId));
  const pending = outbox.pending.filter(
    (p) => p.conversationId === conversation.id && !landed.has(p.clientId),
  );

  // Receipts: per message in a direct conversation (the partner's positions), "read by N of M" otherwise.
  const partner = direct ? members.find((m) => m.user.id !== me.id) : undefined;
  const deliveryOf = (message: Message): DeliveryState => {
    if (!partner) return "sent";
    if (partner.lastReadSeq >= message.seq) return "read";
    if (partner.lastDeliveredSeq >= message.seq) return "delivered";
    return "sent";
  };
  const lastMine = history.messages.findLast((m) => m.senderId === me.id && m.kind !== "system");
  const receipt = useGroupReceipt(conversation.id, direct ? undefined : lastMine?.seq);
  const receiptLine =
    receipt && receipt.recipientCount > 0
      ? { seq: receipt.seq, text: `Read by ${receipt.readCount} of ${receipt.recipientCount}` }
      : undefined;

  return (
    <section className="chat" aria-labelledby="chat-title">
      <ChatHeader conversation={conversation} members={members} myId={me.id} onBack={props.onBack} />
      <MessageList
        label={direct ? `Messages with ${title}` : `Messages in ${title}`}
        messages={history.messages}
        pending={pending}
        myId={me.id}
        showSenders={!direct}
        nameOf={nameOf}
        deliveryOf={deliveryOf}
        receiptLine={receiptLine}
        pendingLabel={online && connection === "open" ? "Sending…" : "Waiting for connection"}
        hasOlder={history.hasOlder}
        loading={history.loading}
        error={history.error}
        onLoadOlder={history.loadOlder}
        onRetry={outbox.retry}
        onDiscard={outbox.discard}
      />
      <TypingIndicator names={typingIds.map((id) => nameOf(id))} />
      <Composer
        conversationId={conversation.id}
        label={`Message ${title}`}
        onSend={(text) => outbox.send(conversation.id, text)}
      />
    </section>
  );
}

function noop(): void {}
