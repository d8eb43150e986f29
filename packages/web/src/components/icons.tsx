/** Small line icons for message actions: decorative (the buttons carry labels), drawn, not emoji. */
const common = {
  viewBox: "0 0 24 24",
  fill: "none",
  stroke: "currentColor",
  strokeWidth: 1.8,
  strokeLinecap: "round" as const,
  strokeLinejoin: "round" as const,
};

export function SmileIcon() {
  return (
    <svg aria-hidden="true" {...common}>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M8.5 14a4.5 4.5 0 007 0M9 9.5h.01M15 9.5h.01" />
    </svg>
  );
}

export function ReplyIcon() {
  return (
    <svg aria-hidden="true" {...common}>
      <path d="M20 18a7 7 0 00-7-7H5m0 0l4.5-4.5M5 11l4.5 4.5" />
    </svg>
  );
}

export function PencilIcon() {
  return (
    <svg aria-hidden="true" {...common}>
      <path d="M4 20h4L19 9l-4-4L4 16v4zM13.5 6.5l4 4" />
    </svg>
  );
}

export function TrashIcon() {
  return (
    <svg aria-hidden="true" {...common}>
      <path d="M4 7h16M9 7V4.5h6V7M6.5 7l1 13h9l1-13M10 11v5.5M14 11v5.5" />
    </svg>
  );
}

/** A pushpin; filled when the message is pinned. */
export function PinIcon(props: { filled?: boolean }) {
  return (
    <svg aria-hidden="true" {...common}>
      <path d="M9 4h6l-1 6 3 3v1H7v-1l3-3-1-6zM12 14v6" fill={props.filled ? "currentColor" : "none"} />
    </svg>
  );
}

export function ForwardIcon() {
  return (
    <svg aria-hidden="true" {...common}>
      <path d="M4 18a7 7 0 017-7h8m0 0l-4.5-4.5M19 11l-4.5 4.5" />
    </svg>
  );
}

export function PaperclipIcon() {
  return (
    <svg aria-hidden="true" {...common}>
      <path d="M16.5 6.5l-7.8 7.8a2 2 0 002.8 2.8l8-8a4 4 0 00-5.6-5.6l-8 8a6 6 0 008.5 8.5l7-7" />
    </svg>
  );
}

export function MicrophoneIcon() {
  return (
    <svg aria-hidden="true" {...common}>
      <rect x="9" y="3" width="6" height="11" rx="3" />
      <path d="M5.5 11a6.5 6.5 0 0013 0M12 17.5V21" />
    </svg>
  );
}
