import { useConnectionState, useOnline } from "../hooks/use-connection.ts";

/** Says so when the chat is not live: offline, connecting or reconnecting. */
export function ConnectionBanner(props: { pendingCount: number }) {
  const state = useConnectionState();
  const online = useOnline();
  let text: string | null = null;
  if (!online) text = "You're offline.";
  else if (state === "connecting" || state === "idle") text = "Connecting…";
  else if (state === "reconnecting" || state === "closed") text = "Reconnecting…";
  if (text && props.pendingCount > 0)
    text += ` ${props.pendingCount === 1 ? "1 message" : `${props.pendingCount} messages`} will be sent when you're back.`;
  return (
    <div
      className={`connection-banner${text ? " shown" : ""}`}
      role="status"
      data-state={online ? state : "offline"}
    >
      {text}
    </div>
  );
}
