import type { ConversationSummary } from "@hallway/protocol";
import { usePeople } from "../hooks/use-directory.ts";
import { usePresence } from "../hooks/use-presence.ts";
import { conversationHref } from "../hooks/use-route.ts";
import { messageSummary } from "../lib/attachments.ts";
import { conversationTitle } from "../lib/conversation-title.ts";
import { formatListTime } from "../lib/format.ts";
import { useHallway } from "../session/hallway-context.ts";
import { Avatar } from "./avatar.tsx";

/** My conversations, newest activity first, each a link that opens it. */
export function ConversationList(props: {
  conversations: ConversationSummary[];
  loaded: boolean;
  openId: string | null;
  /** The open conversation is being read: its badge is not shown. */
  reading: boolean;
}) {
  if (!props.loaded) return <p className="list-placeholder">Loading conversations…</p>;
  if (props.conversations.length === 0)
    return <p className="list-placeholder">No conversations yet. Find someone above to start one.</p>;
  return (
    <nav className="conversation-list" aria-label="Conversations">
      <ul>
        {props.conversations.map((conversation) => (
          <ConversationItem
            key={conversation.id}
            conversation={conversation}
            open={conversation.id === props.openId}
            hideUnread={props.reading && conversation.id === props.openId}
          />
        ))}
      </ul>
    </nav>
  );
}

function ConversationItem(props: { conversation: ConversationSummary; open: boolean; hideUnread: boolean }) {
  const { conversation } = props;
  const { me } = useHallway();
  const presence = usePresence(conversation.kind === "direct" ? conversation.peer?.id : undefined);
  const senderId = conversation.lastMessage?.senderId;
  const personOf = usePeople(
    conversation.kind !== "direct" && senderId && senderId !== me.id ? [senderId] : [],
  );
  const sender = senderId ? personOf(senderId) : undefined;
  const title = conversationTitle(conversation);
  const unread = props.hideUnread ? 0 : conversation.unreadCount;
  const mentions = props.hideUnread ? 0 : conversation.mentionCount;
  return (
    <li>
      <a
        href={conversationHref(conversation.id)}
        className={`conversation-item${props.open ? " open" : ""}${unread > 0 ? " unread" : ""}`}
        aria-current={props.open ? "page" : undefined}
        data-conversation-id={conversation.id}
      >
        <Avatar
          name={title}
          seed={conversation.peer?.id ?? conversation.id}
          url={conversation.peer?.avatarUrl}
          presence={presence}
          group={conversation.kind !== "direct"}
        />
        <span className="conversation-text">
          <span className="conversation-top">
            <span className="conversation-title">{title}</span>
            {conversation.lastMessage && (
              <time className="conversation-time" dateTime={conversation.lastMessage.createdAt}>
                {formatListTime(conversation.lastMessage.createdAt)}
              </time>
            )}
          </span>
          <span className="conversation-bottom">
            <span className="conversation-preview">{preview(conversation, me.id, sender?.displayName)}</span>
            {mentions > 0 && (
              <span className="mention-badge" data-testid="mention-badge">
                <span aria-hidden="true">@</span>
                <span className="visually-hidden">
                  {mentions === 1 ? "You were mentioned" : `You were mentioned ${mentions} times`},
                </span>
              </span>
            )}
            {unread > 0 && (
              <span className="unread-badge">
                {unread > 99 ? "99+" : unread}
                <span className="visually-hidden"> unread</span>
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}

/** The last message in one line: "You: …" for mine, "Ben: …" for others' in groups. */
function preview(conversation: ConversationSummary, myId: string, senderName?: string): string {
  const message = conversation.lastMessage;
  if (!message) return conversation.kind === "direct" ? "Say hello!" : "No messages yet";
  if (message.kind === "system") return "Group updated";
  const text = messageSummary(message);
  if (message.senderId === myId) return `You: ${text}`;
  if (conversation.kind !== "direct" && senderName) return `${senderName.split(" ")[0]}: ${text}`;
  return text;
}
