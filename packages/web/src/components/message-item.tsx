import type { Message } from "@hallway/protocol";
import { formatTime } from "../lib/format.ts";
import { describeSystemEvent } from "../lib/system-message.ts";
import { type DeliveryState, DeliveryTicks } from "./delivery-ticks.tsx";

/**
 * One message bubble. The text is a React text node, never HTML: whatever anyone types is
 * shown exactly as typed.
 */
export function MessageBubble(props: {
  text: string;
  createdAt: string;
  mine: boolean;
  senderName?: string;
  delivery?: DeliveryState;
  receiptLine?: string;
  seq?: number;
  /** What a pending message says: "Sending…" or "Waiting for connection". */
  pendingLabel?: string;
  onRetry?(): void;
  onDiscard?(): void;
}) {
  const { mine, delivery } = props;
  const status = delivery === "pending" || delivery === "failed" ? delivery : "stored";
  return (
    <div className={`message ${mine ? "mine" : "theirs"}`} data-status={status} data-seq={props.seq}>
      {props.senderName && <div className="sender">{props.senderName}</div>}
      <div className="bubble">
        {!mine && <span className="visually-hidden">{props.senderName ?? "They"} said: </span>}
        <p className="text">{props.text}</p>
        <span className="meta">
          {delivery === "pending" ? (
            <span className="pending-label">{props.pendingLabel ?? "Sending…"}</span>
          ) : delivery === "failed" ? (
            <span className="failed-label">Not sent</span>
          ) : (
            <time dateTime={props.createdAt}>{formatTime(props.createdAt)}</time>
          )}
          {mine && delivery && <DeliveryTicks state={delivery} />}
        </span>
      </div>
      {delivery === "failed" && (
        <div className="failed-actions">
          <button type="button" className="link" onClick={props.onRetry}>
            Try again
          </button>
          <button type="button" className="link" onClick={props.onDiscard}>
            Discard
          </button>
        </div>
      )}
      {props.receiptLine && <div className="receipt-line">{props.receiptLine}</div>}
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
