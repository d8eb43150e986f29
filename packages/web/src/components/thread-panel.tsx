import type { Attachment, UserProfile } from "@hallway/protocol";
import { type KeyboardEvent, useEffect, useLayoutEffect, useRef } from "react";
import type { Thread } from "../hooks/use-thread.ts";
import { useUploads } from "../hooks/use-uploads.ts";
import { useChat } from "../state/chat-context.ts";
import type { PendingSend } from "../state/pending-sends.ts";
import { Composer } from "./composer.tsx";
import type { DeliveryState } from "./delivery-ticks.tsx";
import { FileDropZone } from "./file-drop-zone.tsx";
import { MessageItem, PendingMessage } from "./message-item.tsx";
import { moveBetweenMessages } from "./message-list.tsx";

/**
 * A thread beside the chat (over it, on a phone): the message it answers, its replies as they
 * come, and a box to reply. Escape or the close button closes it and gives the focus back.
 */
export function ThreadPanel(props: {
  thread: Thread;
  pending: PendingSend[];
  pendingLabel: string;
  people: UserProfile[];
  offerEveryone: boolean;
  deliveryOf(message: { seq: number }): DeliveryState;
  /** A reply to bring into view (chosen in the search results). */
  focusSeq?: number;
  onSend(text: string, attachments: Attachment[]): void;
  onRetry(clientId: string): void;
  onDiscard(clientId: string): void;
  onClose(): void;
}) {
  const { thread, onClose } = props;
  const chat = useChat();
  const uploads = useUploads(chat.conversation.id);
  const scroller = useRef<HTMLDivElement>(null);
  const count = Math.max(thread.parent?.replyCount ?? 0, thread.replies.length);
  const parentId = thread.parent?.id;

  // New replies come in at the bottom: follow them.
  // biome-ignore lint/correctness/useExhaustiveDependencies: scrolls when replies or pending ones are added.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && props.focusSeq === undefined) element.scrollTop = element.scrollHeight;
  }, [thread.replies.length, props.pending.length]);

  useEffect(() => {
    if (props.focusSeq === undefined || thread.loading) return;
    const element = scroller.current?.querySelector<HTMLElement>(`[data-seq="${props.focusSeq}"]`);
    if (!element) return;
    element.scrollIntoView({ block: "center" });
    element.dataset.found = "true";
    element.focus({ preventScroll: true });
    const timer = setTimeout(() => delete element.dataset.found, 4000);
    return () => clearTimeout(timer);
  }, [props.focusSeq, thread.loading]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (document.querySelector("dialog[open]")) return;
    event.preventDefault();
    event.stopPropagation();
    onClose();
  };

  return (
    <aside className="thread-panel" aria-labelledby="thread-title" onKeyDown={onKeyDown}>
      <header className="thread-header">
        <div>
          <h3 id="thread-title">Thread</h3>
          <p className="chat-subtitle">
            {count} {count === 1 ? "reply" : "replies"}
          </p>
        </div>
        <button type="button" className="icon-button" aria-label="Close thread" onClick={onClose}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
        </button>
      </header>
      <FileDropZone onFiles={uploads.add} label="Drop files to send them in this thread">
        <section
          className="thread-scroller"
          ref={scroller}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
          tabIndex={0}
          aria-label="Thread messages"
          onKeyDown={(event) => moveBetweenMessages(event, scroller.current)}
        >
          {thread.error && (
            <p className="error" role="alert">
              The thread could not be loaded: {thread.error}
            </p>
          )}
          {thread.parent && (
            <MessageItem
              message={thread.parent}
              mine={thread.parent.senderId === chat.myId}
              senderName={chat.nameOf(thread.parent.senderId)}
              inThread
            />
          )}
          <div className="thread-divider">
            <span>{count === 0 ? "No replies yet" : `${count} ${count === 1 ? "reply" : "replies"}`}</span>
          </div>
          <div className="messages" role="log" aria-live="polite" aria-label="Replies">
            {thread.replies.map((reply) => (
              <MessageItem
                key={reply.seq}
                message={reply}
                mine={reply.senderId === chat.myId}
                senderName={reply.senderId === chat.myId ? undefined : chat.nameOf(reply.senderId)}
                delivery={reply.senderId === chat.myId ? props.deliveryOf(reply) : undefined}
                inThread
              />
            ))}
            {props.pending.map((send) => (
              <PendingMessage
                key={send.clientId}
                send={send}
                pendingLabel={props.pendingLabel}
                onRetry={props.onRetry}
                onDiscard={props.onDiscard}
              />
            ))}
          </div>
          {thread.hasMore && (
            <button type="button" className="link" onClick={thread.loadMore} disabled={thread.loading}>
              {thread.loading ? "Loading…" : "Load more replies"}
            </button>
          )}
          {thread.loading && !thread.parent && <p className="muted small">Loading the thread…</p>}
        </section>
        {parentId && !thread.parent?.deleted && (
          <Composer
            key={parentId}
            id="thread-composer"
            conversationId={chat.conversation.id}
            draftKey={`${chat.conversation.id}/${parentId}`}
            label="Reply to this thread"
            placeholder="Reply…"
            people={props.people}
            myId={chat.myId}
            offerEveryone={props.offerEveryone}
            uploads={uploads}
            onSend={props.onSend}
          />
        )}
      </FileDropZone>
    </aside>
  );
}
