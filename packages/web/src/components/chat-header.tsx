import type { ConversationSummary } from "@hallway/protocol";
import { useNow } from "../hooks/use-now.ts";
import { usePresence, usePresenceMap } from "../hooks/use-presence.ts";
import { conversationTitle, kindLabel } from "../lib/conversation-title.ts";
import { describePresence } from "../lib/format.ts";
import type { MemberInfo } from "../session/api.ts";
import { Avatar } from "./avatar.tsx";

/** The open conversation's name, with presence and last seen (direct) or members online (groups). */
export function ChatHeader(props: {
  conversation: ConversationSummary;
  members: MemberInfo[];
  myId: string;
  onBack(): void;
}) {
  const { conversation } = props;
  const title = conversationTitle(conversation);
  const direct = conversation.kind === "direct";
  return (
    <header className="chat-header">
      <button
        type="button"
        className="icon-button back"
        aria-label="Back to conversations"
        onClick={props.onBack}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M15 5l-7 7 7 7" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        </svg>
      </button>
      {direct ? (
        <DirectHeading conversation={conversation} title={title} />
      ) : (
        <GroupHeading conversation={conversation} title={title} members={props.members} myId={props.myId} />
      )}
      {conversation.supervised ? <SupervisedNotice /> : null}
    </header>
  );
}

function DirectHeading(props: { conversation: ConversationSummary; title: string }) {
  const peer = props.conversation.peer;
  const presence = usePresence(peer?.id);
  const now = useNow();
  const status = describePresence(presence, now);
  const custom = presence?.custom?.text;
  return (
    <div className="chat-heading">
      <Avatar
        name={props.title}
        seed={peer?.id ?? props.conversation.id}
        url={peer?.avatarUrl}
        presence={presence}
      />
      <div>
        <h2 id="chat-title">{props.title}</h2>
        <p className="chat-subtitle" data-testid="peer-status">
          {[roleName(peer?.role), status, custom].filter(Boolean).join(" · ")}
        </p>
      </div>
    </div>
  );
}

function GroupHeading(props: {
  conversation: ConversationSummary;
  title: string;
  members: MemberInfo[];
  myId: string;
}) {
  const presences = usePresenceMap();
  const count = props.members.length || props.conversation.memberCount;
  const online = props.members.filter(
    (m) => m.user.id !== props.myId && presences.get(m.user.id)?.status === "online",
  ).length;
  const label = kindLabel(props.conversation);
  const parts = [
    label,
    `${count} ${count === 1 ? "member" : "members"}`,
    online > 0 ? `${online} online` : null,
  ];
  return (
    <div className="chat-heading">
      <Avatar name={props.title} seed={props.conversation.id} group />
      <div>
        <h2 id="chat-title">{props.title}</h2>
        <p className="chat-subtitle">{parts.filter(Boolean).join(" · ")}</p>
      </div>
    </div>
  );
}

/**
 * The school's designated staff may review this conversation (it involves a student): say so,
 * small, beside the title, and in full to screen readers and on hover.
 */
function SupervisedNotice() {
  const explanation = "The school's designated staff may review this conversation.";
  return (
    <p className="supervised-notice" title={explanation} data-testid="supervised-notice">
      <svg viewBox="0 0 24 24" aria-hidden="true">
        <path
          d="M12 3l7 3v5c0 4.5-3 8.3-7 10-4-1.7-7-5.5-7-10V6l7-3z"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinejoin="round"
        />
      </svg>
      Supervised<span className="visually-hidden">: {explanation}</span>
    </p>
  );
}

/** "teacher" → "Teacher". */
function roleName(role: string | undefined): string | undefined {
  return role ? role.charAt(0).toUpperCase() + role.slice(1) : undefined;
}
