import type { Attachment, ConversationSummary, Message } from "@hallway/protocol";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useConnectionState, useOnline } from "../hooks/use-connection.ts";
import { usePeople } from "../hooks/use-directory.ts";
import { useGroupReceipt } from "../hooks/use-group-receipt.ts";
import { useJumpToMessage } from "../hooks/use-jump-to-message.ts";
import { useMarkRead } from "../hooks/use-mark-read.ts";
import { useMembers } from "../hooks/use-members.ts";
import { useMessages } from "../hooks/use-messages.ts";
import { usePins } from "../hooks/use-pins.ts";
import { useThread } from "../hooks/use-thread.ts";
import { useTypingUsers } from "../hooks/use-typing.ts";
import { useUploads } from "../hooks/use-uploads.ts";
import { conversationTitle } from "../lib/conversation-title.ts";
import { mayMentionEveryone, mayModerate, mayPin } from "../lib/permissions.ts";
import { useHallway } from "../session/hallway-context.ts";
import { ChatContext, type ChatContextValue } from "../state/chat-context.ts";
import { isTopLevel } from "../state/message-log.ts";
import { usePendingSends } from "../state/pending-sends.ts";
import { ChatHeader } from "./chat-header.tsx";
import { Composer } from "./composer.tsx";
import type { DeliveryState } from "./delivery-ticks.tsx";
import { FileDropZone } from "./file-drop-zone.tsx";
import { MessageList } from "./message-list.tsx";
import { PinnedBar } from "./pinned-bar.tsx";
import { ThreadPanel } from "./thread-panel.tsx";
import { TypingIndicator } from "./typing-indicator.tsx";

/** A message to bring into view: in the timeline, or a reply in its thread. */
export interface JumpTarget {
  seq: number;
  parentId: string | null;
}

/** One open conversation: header, history, typing, the message box, and a thread beside it. */
export function ChatView(props: {
  conversation: ConversationSummary;
  onBack(): void;
  /** Reports who is in the conversation, so their presence is followed. */
  onMembers(userIds: string[]): void;
  /** A message to bring into view (chosen in the search results); `onJumped` once it is. */
  jumpTo?: JumpTarget;
  onJumped?(): void;
}) {
  const { conversation, onMembers, onJumped } = props;
  const { me } = useHallway();
  const history = useMessages(conversation.id);
  const members = useMembers(conversation.id);
  const typingIds = useTypingUsers(conversation.id);
  const outbox = usePendingSends();
  const uploads = useUploads(conversation.id);
  const connection = useConnectionState();
  const online = useOnline();
  const direct = conversation.kind === "direct";
  const title = conversationTitle(conversation);
  const [threadId, setThreadId] = useState<string | null>(null);
  const [threadFocus, setThreadFocus] = useState<number | undefined>(undefined);
  const pins = usePins(conversation.id, history.messages);
  // A pinned message chosen in the pinned bar, to bring into view like a search result.
  const [pinJump, setPinJump] = useState<JumpTarget | undefined>(undefined);
  const jumpTo = props.jumpTo ?? pinJump;
  const jumped = useCallback(() => {
    setPinJump(undefined);
    onJumped?.();
  }, [onJumped]);

  const senderIds = [
    ...new Set(
      [...history.messages, ...pins.messages].flatMap((m) => [
        m.senderId,
        m.pinnedBy,
        m.system?.actorId,
        ...(m.system?.userIds ?? []),
      ]),
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

  // A search result that is a thread reply opens its thread at the reply.
  const jumpSeq = jumpTo && !jumpTo.parentId ? jumpTo.seq : undefined;
  useJumpToMessage(history, jumpSeq, jumped);
  useEffect(() => {
    if (!jumpTo?.parentId) return;
    setThreadId(jumpTo.parentId);
    setThreadFocus(jumpTo.seq);
    jumped();
  }, [jumpTo, jumped]);

  const timeline = useMemo(() => history.messages.filter(isTopLevel), [history.messages]);
  const landed = new Set(history.messages.map((m) => m.clientId));
  const mine = outbox.pending.filter((p) => p.conversationId === conversation.id && !landed.has(p.clientId));
  const pending = mine.filter((p) => !p.parentId);

  // Receipts: per message in a direct conversation (the partner's positions), "read by N of M" otherwise.
  const partner = direct ? members.find((m) => m.user.id !== me.id) : undefined;
  const deliveryOf = (message: { seq: number }): DeliveryState => {
    if (!partner) return "sent";
    if (partner.lastReadSeq >= message.seq) return "read";
    if (partner.lastDeliveredSeq >= message.seq) return "delivered";
    return "sent";
  };
  const lastMine = timeline.findLast((m) => m.senderId === me.id && m.kind !== "system" && !m.deleted);
  const receipt = useGroupReceipt(conversation.id, direct ? undefined : lastMine?.seq);
  const receiptLine =
    receipt && receipt.recipientCount > 0
      ? { seq: receipt.seq, text: `Read by ${receipt.readCount} of ${receipt.recipientCount}` }
      : undefined;

  const thread = useThread(conversation.id, threadId);
  const openThread = useCallback((messageId: string) => {
    setThreadFocus(undefined);
    setThreadId(messageId);
  }, []);
  const closeThread = useCallback(() => {
    const parentId = threadId;
    setThreadId(null);
    // The focus goes back to the message whose thread it was.
    requestAnimationFrame(() =>
      document.querySelector<HTMLElement>(`.chat [data-message-id="${parentId}"]`)?.focus(),
    );
  }, [threadId]);

  const { replace: replaceInHistory } = history;
  const { replace: replaceInThread } = thread;
  const chat: ChatContextValue = useMemo(
    () => ({
      conversation,
      myId: me.id,
      nameOf,
      canModerate: mayModerate(me.role, conversation),
      canPin: mayPin(me.role, conversation),
      openThread,
      replace: (message: Message) => {
        replaceInHistory(message);
        replaceInThread(message);
      },
    }),
    [conversation, me.id, me.role, nameOf, openThread, replaceInHistory, replaceInThread],
  );

  // A file dropped anywhere else must not make the browser leave Hallway to show it.
  useEffect(() => {
    const keep = (event: DragEvent) => {
      if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
    };
    window.addEventListener("dragover", keep);
    window.addEventListener("drop", keep);
    return () => {
      window.removeEventListener("dragover", keep);
      window.removeEventListener("drop", keep);
    };
  }, []);

  const people = members.map((m) => m.user);
  const offerEveryone = mayMentionEveryone(me.role, conversation);
  const pendingLabel = online && connection === "open" ? "Sending…" : "Waiting for connection";
  const send = (parentId?: string) => (text: string, attachments: Attachment[]) =>
    outbox.send(conversation.id, text, { attachments, parentId });

  return (
    <ChatContext.Provider value={chat}>
      <div className={`chat-area${threadId ? " with-thread" : ""}`}>
        <section className="chat" aria-labelledby="chat-title">
          <ChatHeader conversation={conversation} members={members} myId={me.id} onBack={props.onBack} />
          <PinnedBar
            pins={pins.messages}
            loaded={pins.loaded}
            nameOf={nameOf}
            onJump={(message) => setPinJump({ seq: message.seq, parentId: message.parentId })}
          />
          <FileDropZone onFiles={uploads.add} label={`Drop files to send them to ${title}`}>
            <MessageList
              label={direct ? `Messages with ${title}` : `Messages in ${title}`}
              messages={timeline}
              pending={pending}
              myId={me.id}
              showSenders={!direct}
              nameOf={nameOf}
              deliveryOf={deliveryOf}
              receiptLine={receiptLine}
              pendingLabel={pendingLabel}
              hasOlder={history.hasOlder}
              loading={history.loading}
              error={history.error}
              onLoadOlder={history.loadOlder}
              onRetry={outbox.retry}
              onDiscard={outbox.discard}
            />
            <TypingIndicator names={typingIds.map((id) => nameOf(id))} />
            <Composer
              id="composer"
              conversationId={conversation.id}
              draftKey={conversation.id}
              label={`Message ${title}`}
              placeholder="Write a message…"
              people={people}
              myId={me.id}
              offerEveryone={offerEveryone}
              uploads={uploads}
              onSend={send()}
            />
          </FileDropZone>
        </section>
        {threadId && (
          <ThreadPanel
            key={threadId}
            thread={thread}
            pending={mine.filter((p) => p.parentId === threadId)}
            pendingLabel={pendingLabel}
            people={people}
            offerEveryone={offerEveryone}
            deliveryOf={deliveryOf}
            focusSeq={threadFocus}
            onSend={send(threadId)}
            onRetry={outbox.retry}
            onDiscard={outbox.discard}
            onClose={closeThread}
          />
        )}
      </div>
    </ChatContext.Provider>
  );
}
