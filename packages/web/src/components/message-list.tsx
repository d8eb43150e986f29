import type { Message } from "@hallway/protocol";
import { type KeyboardEvent, type ReactNode, useEffect, useLayoutEffect, useRef } from "react";
import { dayKey, formatDay } from "../lib/format.ts";
import type { PendingSend } from "../state/pending-sends.ts";
import type { DeliveryState } from "./delivery-ticks.tsx";
import { DaySeparator, MessageItem, PendingMessage, SystemNotice } from "./message-item.tsx";

export interface MessageListProps {
  /** The live region's name, e.g. "Messages with Ana Lima". */
  label: string;
  /** The timeline: top-level messages (thread replies are shown in their thread). */
  messages: Message[];
  pending: PendingSend[];
  myId: string;
  /** Show the sender's name above their messages (groups). */
  showSenders: boolean;
  nameOf(userId: string | null): string;
  deliveryOf(message: Message): DeliveryState;
  /** My latest stored message gets this line under it ("Read by 3 of 5"). */
  receiptLine?: { seq: number; text: string };
  pendingLabel: string;
  hasOlder: boolean;
  loading: boolean;
  error: string | null;
  onLoadOlder(): void;
  onRetry(clientId: string): void;
  onDiscard(clientId: string): void;
}

/** Pixels from the bottom within which the list counts as "at the bottom" and follows new messages. */
const STICK_PX = 80;

/**
 * The conversation's messages in a live region. It follows new messages while scrolled to the
 * bottom, keeps its place when older pages are added above, and loads them when the top comes
 * into view (or with the button, for keyboards).
 */
export function MessageList(props: MessageListProps) {
  const scroller = useRef<HTMLElement>(null);
  const top = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const previous = useRef<{ firstSeq?: number; height: number; count: number }>({ height: 0, count: 0 });
  const { messages, pending, onLoadOlder, hasOlder, loading } = props;

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const firstSeq = messages[0]?.seq;
    const count = messages.length + pending.length;
    const before = previous.current;
    const prepended = before.firstSeq !== undefined && firstSeq !== undefined && firstSeq < before.firstSeq;
    if (prepended) element.scrollTop += element.scrollHeight - before.height;
    else if (count !== before.count && atBottom.current) element.scrollTop = element.scrollHeight;
    previous.current = { firstSeq, height: element.scrollHeight, count };
  }, [messages, pending]);

  // Content that grows after it is shown (a picture loading, reactions, a thread's summary)
  // keeps the newest message in view while the list is at the bottom.
  useEffect(() => {
    const element = scroller.current;
    const content = element?.querySelector(".messages");
    if (!element || !content) return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(content);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const element = top.current;
    if (!element || !hasOlder) return;
    const observer = new IntersectionObserver(
      ([entry]) => {
        if (entry?.isIntersecting && !loading) onLoadOlder();
      },
      { root: scroller.current, rootMargin: "200px 0px 0px 0px" },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasOlder, loading, onLoadOlder]);

  // Keyboard users: when the "Load earlier messages" button goes (no more history) while it
  // has the focus, the focus stays in the history instead of falling back to the page.
  const focusInside = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the button may have gone.
  useLayoutEffect(() => {
    if (focusInside.current && (!document.activeElement || document.activeElement === document.body))
      scroller.current?.focus();
  }, [hasOlder]);

  const onScroll = () => {
    const element = scroller.current!;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < STICK_PX;
  };

  const rows: ReactNode[] = [];
  let lastDay = "";
  let lastSender: string | null | undefined;
  const addDay = (iso: string) => {
    const key = dayKey(iso);
    if (key === lastDay) return false;
    lastDay = key;
    rows.push(<DaySeparator key={`day-${key}`} label={formatDay(iso)} />);
    return true;
  };
  for (const message of messages) {
    const newDay = addDay(message.createdAt);
    if (message.kind === "system") {
      rows.push(<SystemNotice key={message.seq} message={message} myId={props.myId} nameOf={props.nameOf} />);
      lastSender = undefined;
      continue;
    }
    const mine = message.senderId === props.myId;
    const showName = props.showSenders && !mine && (newDay || lastSender !== message.senderId);
    lastSender = message.senderId;
    rows.push(
      <MessageItem
        key={message.seq}
        message={message}
        mine={mine}
        senderName={showName ? props.nameOf(message.senderId) : undefined}
        delivery={mine ? props.deliveryOf(message) : undefined}
        receiptLine={props.receiptLine?.seq === message.seq ? props.receiptLine.text : undefined}
      />,
    );
  }
  for (const send of pending) {
    addDay(send.createdAt);
    rows.push(
      <PendingMessage
        key={send.clientId}
        send={send}
        pendingLabel={props.pendingLabel}
        onRetry={props.onRetry}
        onDiscard={props.onDiscard}
      />,
    );
  }

  return (
    // A scrollable region: focusable so its history can be scrolled with the arrow keys.
    <section
      className="message-scroller"
      ref={scroller}
      onScroll={onScroll}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
      tabIndex={0}
      aria-label="Message history"
      aria-describedby="history-keys"
      onKeyDown={(event) => moveBetweenMessages(event, scroller.current)}
      onFocus={() => {
        focusInside.current = true;
      }}
      onBlur={(event) => {
        // No related target: the focused button was removed (or focus left the page), not moved on.
        if (event.relatedTarget)
          focusInside.current = scroller.current?.contains(event.relatedTarget) ?? false;
      }}
    >
      <div ref={top} className="history-top">
        {hasOlder ? (
          <button type="button" className="link" onClick={onLoadOlder} disabled={loading}>
            {loading ? "Loading…" : "Load earlier messages"}
          </button>
        ) : (
          !loading &&
          messages.length > 0 && <p className="muted small">This is the beginning of the conversation.</p>
        )}
        {props.error && (
          <p className="error" role="alert">
            Messages could not be loaded: {props.error}
          </p>
        )}
      </div>
      <p id="history-keys" className="visually-hidden">
        Up and down arrows move between messages; Tab reaches the actions of the message you are on.
      </p>
      <div className="messages" role="log" aria-live="polite" aria-label={props.label}>
        {rows}
        {!loading && messages.length === 0 && pending.length === 0 && (
          <p className="empty-chat muted">No messages yet. Say hello!</p>
        )}
      </div>
    </section>
  );
}

/**
 * Up and down arrows in a message history: from the history itself to the nearest message in
 * view, then from message to message (the focus scrolls them into view). At either end, and
 * inside a message's controls, the keys do what they normally do.
 */
export function moveBetweenMessages(event: KeyboardEvent, container: HTMLElement | null): void {
  if ((event.key !== "ArrowUp" && event.key !== "ArrowDown") || !container) return;
  const up = event.key === "ArrowUp";
  const target = event.target as HTMLElement;
  const messages = [...container.querySelectorAll<HTMLElement>(".message[data-message-id]")];
  let next: HTMLElement | undefined;
  if (target === container) {
    const box = container.getBoundingClientRect();
    const inView = messages.filter((m) => {
      const r = m.getBoundingClientRect();
      return r.bottom > box.top && r.top < box.bottom;
    });
    next = up ? inView.at(-1) : inView[0];
  } else if (messages.includes(target)) {
    next = messages[messages.indexOf(target) + (up ? -1 : 1)];
  }
  if (!next) return;
  event.preventDefault();
  next.focus();
}
