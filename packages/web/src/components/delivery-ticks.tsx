export type DeliveryState = "pending" | "failed" | "sent" | "delivered" | "read";

const LABELS: Record<DeliveryState, string> = {
  pending: "Not sent yet",
  failed: "Not sent",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
};

/** ✓ sent, ✓✓ delivered, blue ✓✓ read; a clock while waiting in the outbox. */
export function DeliveryTicks(props: { state: DeliveryState }) {
  const { state } = props;
  return (
    <span
      className={`ticks ${state}`}
      data-receipt={state}
      role="img"
      aria-label={LABELS[state]}
      title={LABELS[state]}
    >
      {state === "pending" && (
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path
            d="M8 4.5V8l2.5 1.5"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.5"
            strokeLinecap="round"
          />
        </svg>
      )}
      {state === "failed" && (
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <circle cx="8" cy="8" r="6.5" fill="currentColor" />
          <path d="M8 4.5v4.5M8 11v.5" stroke="#fff" strokeWidth="1.6" strokeLinecap="round" />
        </svg>
      )}
      {(state === "sent" || state === "delivered" || state === "read") && (
        <svg viewBox="0 0 20 16" aria-hidden="true">
          <path
            d="M2 8.5l3.5 3.5L12 4.5"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.7"
            strokeLinecap="round"
          />
          {state !== "sent" && (
            <path
              d="M8 12l1 0.2L16.5 4.5"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.7"
              strokeLinecap="round"
            />
          )}
        </svg>
      )}
    </span>
  );
}
