import type { ForwardedFrom, Message } from "@hallway/protocol";
import { useCallback, useRef, useState } from "react";
import { usePeople } from "../hooks/use-directory.ts";
import { attachmentSummary, formatBytes } from "../lib/attachments.ts";
import { describeActionError } from "../lib/errors.ts";
import { formatListTime, formatTime } from "../lib/format.ts";
import { describeSystemEvent } from "../lib/system-message.ts";
import { useHallway } from "../session/hallway-context.ts";
import { useChat } from "../state/chat-context.ts";
import { MessageFocusContext, useMessageTabIndex } from "../state/message-focus.ts";
import type { PendingSend } from "../state/pending-sends.ts";
import { AttachmentList } from "./attachment-list.tsx";
import { DeleteDialog } from "./delete-dialog.tsx";
import { type DeliveryState, DeliveryTicks } from "./delivery-ticks.tsx";
import { ForwardDialog } from "./forward-dialog.tsx";
import { ForwardIcon, PencilIcon, PinIcon, ReplyIcon, SmileIcon, TrashIcon } from "./icons.tsx";
import { MessageEditor } from "./message-editor.tsx";
import { MessageText } from "./message-text.tsx";
import { ReactionBar, ReactionPicker, useToggleReaction } from "./reactions.tsx";

/**
 * One stored message: where it was forwarded from, its files and text (the markdown subset as
 * React elements, never HTML: whatever anyone types outside it is shown exactly as typed), when
 * it was sent and edited, whether it is pinned, my ticks, its reactions, its thread's summary,
 * and the actions on it: react, reply in thread, forward, pin (where I may), edit and delete
 * (mine), remove (others', where I may moderate). A deleted message is a tombstone.
 */
export function MessageItem(props: {
  message: Message;
  mine: boolean;
  /** Shown above the bubble (groups, at the start of someone's run of messages). */
  senderName?: string;
  delivery?: DeliveryState;
  receiptLine?: string;
  /** Inside the thread panel: no thread actions or summary. */
  inThread?: boolean;
}) {
  const { message, mine } = props;
  const chat = useChat();
  const { me } = useHallway();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [picking, setPicking] = useState(false);
  const [focused, setFocused] = useState(false);
  const [forwarding, setForwarding] = useState(false);
  const pin = useTogglePin(message);
  const reactButton = useRef<HTMLButtonElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const reaction = useToggleReaction(message);
  const sender = chat.nameOf(message.senderId);
  const closePicker = useCallback(() => setPicking(false), []);
  const { deleted } = message;
  const pinned = message.pinnedAt !== null && !deleted;

  const doneEditing = (saved?: Message) => {
    if (saved) chat.replace(saved);
    setEditing(false);
    // The focus goes back to the message, not to the page.
    requestAnimationFrame(() => root.current?.querySelector<HTMLElement>(".edit-action")?.focus());
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: follows the focus within, for the tab order of its controls.
    <div
      ref={root}
      className={`message ${mine ? "mine" : "theirs"}${deleted ? " deleted" : ""}`}
      data-status="stored"
      data-seq={message.seq}
      data-message-id={message.id}
      tabIndex={-1}
      onFocus={() => setFocused(true)}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget)) setFocused(false);
      }}
    >
      <MessageFocusContext.Provider value={focused}>
        {props.senderName && <div className="sender">{props.senderName}</div>}
        <div className="message-row">
          <div className="bubble">
            {!mine && <span className="visually-hidden">{sender} said: </span>}
            {message.forwardedFrom && !deleted && <ForwardedLine from={message.forwardedFrom} myId={me.id} />}
            {deleted ? (
              <p className="text tombstone">This message was deleted</p>
            ) : editing ? (
              <MessageEditor message={message} onDone={doneEditing} />
            ) : (
              <>
                {message.attachments.length > 0 && (
                  <AttachmentList conversationId={message.conversationId} attachments={message.attachments} />
                )}
                {message.text && <MessageText message={message} myId={me.id} myUsername={me.username} />}
              </>
            )}
            <span className="meta">
              {pinned && (
                <span
                  className="pinned-marker"
                  title={`Pinned by ${message.pinnedBy === me.id ? "you" : chat.nameOf(message.pinnedBy)}`}
                >
                  <PinIcon filled />
                  Pinned
                </span>
              )}
              {message.editedAt && !deleted && (
                <span className="edited" title={`Edited at ${formatTime(message.editedAt)}`}>
                  edited
                </span>
              )}
              <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>
              {mine && props.delivery && <DeliveryTicks state={props.delivery} />}
            </span>
          </div>
          {!deleted && !editing && (
            // biome-ignore lint/a11y/useSemanticElements: a group of buttons, not a form's fieldset.
            <div className="message-actions" role="group" aria-label="Message actions">
              <button
                ref={reactButton}
                type="button"
                tabIndex={focused ? 0 : -1}
                className="icon-button small action"
                aria-label="Add reaction"
                aria-expanded={picking}
                onClick={() => setPicking((open) => !open)}
              >
                <SmileIcon />
              </button>
              {!props.inThread && (
                <button
                  type="button"
                  tabIndex={focused ? 0 : -1}
                  className="icon-button small action thread-action"
                  aria-label="Reply in thread"
                  onClick={() => chat.openThread(message.id)}
                >
                  <ReplyIcon />
                </button>
              )}
              <button
                type="button"
                tabIndex={focused ? 0 : -1}
                className="icon-button small action"
                aria-label="Forward message"
                aria-haspopup="dialog"
                onClick={() => setForwarding(true)}
              >
                <ForwardIcon />
              </button>
              {chat.canPin && (
                <button
                  type="button"
                  tabIndex={focused ? 0 : -1}
                  className="icon-button small action pin-action"
                  aria-label={pinned ? "Unpin message" : "Pin message"}
                  onClick={() => pin.toggle(!pinned)}
                >
                  <PinIcon filled={pinned} />
                </button>
              )}
              {mine && (
                <button
                  type="button"
                  tabIndex={focused ? 0 : -1}
                  className="icon-button small action edit-action"
                  aria-label="Edit message"
                  onClick={() => setEditing(true)}
                >
                  <PencilIcon />
                </button>
              )}
              {(mine || chat.canModerate) && (
                <button
                  type="button"
                  tabIndex={focused ? 0 : -1}
                  className="icon-button small action"
                  aria-label={mine ? "Delete message" : "Remove message"}
                  onClick={() => setDeleting(true)}
                >
                  <TrashIcon />
                </button>
              )}
              {picking && (
                <ReactionPicker
                  onPick={(emoji) => {
                    reaction.toggle(emoji);
                    setPicking(false);
                    reactButton.current?.focus();
                  }}
                  onClose={() => {
                    closePicker();
                    reactButton.current?.focus();
                  }}
                />
              )}
            </div>
          )}
        </div>
        {!deleted && <ReactionBar message={message} onToggle={reaction.toggle} />}
        {reaction.error && (
          <p className="error small" role="alert">
            {reaction.error}
          </p>
        )}
        {pin.error && (
          <p className="error small" role="alert">
            {pin.error}
          </p>
        )}
        {!props.inThread && message.replyCount > 0 && (
          <ThreadSummary message={message} onOpen={() => chat.openThread(message.id)} />
        )}
        {props.receiptLine && <div className="receipt-line">{props.receiptLine}</div>}
        {forwarding && (
          <ForwardDialog
            message={message}
            onClose={() => {
              setForwarding(false);
              root.current?.focus();
            }}
          />
        )}
        {deleting && (
          <DeleteDialog
            message={message}
            mine={mine}
            senderName={sender}
            onClose={() => {
              setDeleting(false);
              root.current?.focus();
            }}
          />
        )}
      </MessageFocusContext.Provider>
    </div>
  );
}

/** Pins or unpins a message (the server decides who may); a refusal is kept to be shown. */
function useTogglePin(message: Message): { toggle(pinned: boolean): void; error: string | null } {
  const { api } = useHallway();
  const chat = useChat();
  const busy = useRef(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = (pinned: boolean) => {
    if (busy.current) return;
    busy.current = true;
    setError(null);
    api
      .pin(message.conversationId, message.id, pinned)
      .then(
        (reply) => chat.replace(reply.message),
        (caught) =>
          setError(describeActionError(caught, `The message could not be ${pinned ? "pinned" : "unpinned"}`)),
      )
      .finally(() => {
        busy.current = false;
      });
  };
  return { toggle, error };
}

/** "Forwarded from Leo Martin": who wrote the original (its time on hover). */
function ForwardedLine(props: { from: ForwardedFrom; myId: string }) {
  const { senderId, createdAt } = props.from;
  const personOf = usePeople(senderId && senderId !== props.myId ? [senderId] : []);
  const name = !senderId
    ? null
    : senderId === props.myId
      ? "you"
      : (personOf(senderId)?.displayName ?? "someone");
  return (
    <p
      className="forwarded-from"
      title={`Originally sent ${formatListTime(createdAt)} at ${formatTime(createdAt)}`}
    >
      <ForwardIcon />
      {name ? `Forwarded from ${name}` : "Forwarded"}
    </p>
  );
}

/** "3 replies · Last reply 14:05": opens the thread. */
function ThreadSummary(props: { message: Message; onOpen(): void }) {
  const { replyCount, lastReplyAt } = props.message;
  const tabIndex = useMessageTabIndex();
  return (
    <button type="button" className="thread-summary" onClick={props.onOpen} tabIndex={tabIndex}>
      <span className="thread-count">
        {replyCount} {replyCount === 1 ? "reply" : "replies"}
      </span>
      {lastReplyAt && (
        <span className="thread-last">
          {" "}
          · Last reply <time dateTime={lastReplyAt}>{formatListTime(lastReplyAt)}</time>
        </span>
      )}
      <span className="visually-hidden">, open the thread</span>
    </button>
  );
}

/** A message of mine the server has not stored yet: "Sending…", or refused with Try again / Discard. */
export function PendingMessage(props: {
  send: PendingSend;
  /** What a pending message says: "Sending…" or "Waiting for connection". */
  pendingLabel: string;
  onRetry(clientId: string): void;
  onDiscard(clientId: string): void;
}) {
  const { send } = props;
  const delivery: DeliveryState =
    send.status === "failed" ? "failed" : send.status === "sent" ? "sent" : "pending";
  return (
    <div className="message mine" data-status={send.status === "sent" ? "stored" : send.status}>
      <div className="message-row">
        <div className="bubble">
          {send.attachments.length > 0 && (
            <ul className="pending-attachments" aria-label="Files">
              {send.attachments.map((a) => (
                <li key={a.id}>
                  {attachmentSummary(a)} <span className="muted">({formatBytes(a.size)})</span>
                </li>
              ))}
            </ul>
          )}
          {send.text.trim() && <p className="text">{send.text}</p>}
          <span className="meta">
            {delivery === "pending" ? (
              <span className="pending-label">{props.pendingLabel}</span>
            ) : delivery === "failed" ? (
              <span className="failed-label">Not sent</span>
            ) : (
              <time dateTime={send.createdAt}>{formatTime(send.createdAt)}</time>
            )}
            <DeliveryTicks state={delivery} />
          </span>
        </div>
      </div>
      {delivery === "failed" && (
        <div className="failed-actions">
          {send.error && (
            <p className="error small" role="alert">
              {send.error}
            </p>
          )}
          <button type="button" className="link" onClick={() => props.onRetry(send.clientId)}>
            Try again
          </button>
          <button type="button" className="link" onClick={() => props.onDiscard(send.clientId)}>
            Discard
          </button>
        </div>
      )}
    </div>
  );
}

/** "Ms Haddad added Chloe": a small centred notice. */
export function SystemNotice(props: { message: Message; myId: string; nameOf(userId: string): string }) {
  if (!props.message.system) return null;
  return (
    <div className="system-notice" data-kind="system" data-seq={props.message.seq}>
      <span>{describeSystemEvent(props.message.system, props.nameOf, props.myId)}</span>
    </div>
  );
}

export function DaySeparator(props: { label: string }) {
  return (
    <div className="day-separator">
      <span>{props.label}</span>
    </div>
  );
}
