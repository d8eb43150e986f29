import type { ConversationSummary, SearchResult, UserProfile } from "@hallway/protocol";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useActivityReporter } from "../hooks/use-activity-reporter.ts";
import { useReconnectWhenOnline } from "../hooks/use-connection.ts";
import { useConversations } from "../hooks/use-conversations.ts";
import { useDeliveryAcks } from "../hooks/use-delivery-acks.ts";
import { useInviteLink } from "../hooks/use-invite-link.ts";
import { usePageVisible } from "../hooks/use-page-visible.ts";
import { useFollowPresence } from "../hooks/use-presence.ts";
import { useOpenConversation } from "../hooks/use-route.ts";
import { useHallway } from "../session/hallway-context.ts";
import { ConversationListContext } from "../state/conversation-list.ts";
import { PendingSendsContext, usePendingSendsState } from "../state/pending-sends.ts";
import { ChatView, type JumpTarget } from "./chat-view.tsx";
import { NewGroupDialog } from "./new-group-dialog.tsx";
import { Sidebar } from "./sidebar.tsx";

/**
 * The signed-in app: the conversation list beside the open chat (on a phone, one or the
 * other). It also runs the background duties: delivery acks, away reporting, reconnecting when
 * the network returns, following the presence of the people on screen.
 */
export function Shell() {
  const { api } = useHallway();
  const { conversations, loaded, upsert } = useConversations();
  const outbox = usePendingSendsState();
  const [openId, open] = useOpenConversation();
  const [manualAway, setManualAway] = useState(false);
  const [creatingGroup, setCreatingGroup] = useState(false);
  const [inviteProblem, setInviteProblem] = useState<string | null>(null);
  const [openMembers, setOpenMembers] = useState<string[]>([]);
  // A message chosen in the search results, to bring into view once its conversation is open.
  const [jump, setJump] = useState<{ conversationId: string; target: JumpTarget } | null>(null);
  const visible = usePageVisible();
  const lastOpen = useRef<string | null>(null);

  useDeliveryAcks();
  useReconnectWhenOnline();
  useActivityReporter(manualAway);
  const partners = conversations.flatMap((c) => (c.kind === "direct" && c.peer ? [c.peer.id] : []));
  useFollowPresence(openId ? [...partners, ...openMembers] : partners);

  const total = conversations.reduce((sum, c) => sum + (c.me.muted ? 0 : c.unreadCount), 0);
  useEffect(() => {
    document.title = total > 0 ? `(${total}) Hallway` : "Hallway";
  }, [total]);

  // Leaving a chat (Escape, the back button) puts the focus back on it in the list.
  useEffect(() => {
    if (openId) lastOpen.current = openId;
    else if (lastOpen.current) {
      const link = document.querySelector<HTMLElement>(`[data-conversation-id="${lastOpen.current}"]`);
      link?.focus();
    }
    setOpenMembers([]);
  }, [openId]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented || !openId) return;
      if (document.querySelector("dialog[open]")) return;
      open(null);
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [openId, open]);

  const startDirect = useCallback(
    async (user: UserProfile) => {
      const conversation = await api.openDirect(user.id);
      upsert(conversation);
      open(conversation.id);
    },
    [api, upsert, open],
  );
  const groupCreated = useCallback(
    (conversation: ConversationSummary) => {
      setCreatingGroup(false);
      upsert(conversation);
      open(conversation.id);
    },
    [upsert, open],
  );

  const joinedByInvite = useCallback(
    (conversation: ConversationSummary) => {
      setInviteProblem(null);
      upsert(conversation);
      open(conversation.id);
    },
    [upsert, open],
  );
  useInviteLink(api, joinedByInvite, setInviteProblem);

  const openMessage = useCallback(
    (result: SearchResult) =>
      setJump({
        conversationId: result.conversation.id,
        target: { seq: result.message.seq, parentId: result.message.parentId },
      }),
    [],
  );
  const jumped = useCallback(() => setJump(null), []);

  const current = conversations.find((c) => c.id === openId);
  const pendingCount = outbox.pending.filter((p) => p.status === "pending").length;
  const list = useMemo(() => ({ conversations, open }), [conversations, open]);
  return (
    <PendingSendsContext.Provider value={outbox}>
      <ConversationListContext.Provider value={list}>
        <div className="shell" data-view={openId ? "chat" : "list"}>
          <Sidebar
            conversations={conversations}
            loaded={loaded}
            openId={openId}
            reading={visible}
            pendingCount={pendingCount}
            manualAway={manualAway}
            onManualAway={setManualAway}
            onStartDirect={startDirect}
            onNewGroup={() => setCreatingGroup(true)}
            onOpenMessage={openMessage}
          />
          <main className="chat-pane">
            {current ? (
              <ChatView
                key={current.id}
                conversation={current}
                onBack={() => open(null)}
                onMembers={setOpenMembers}
                jumpTo={jump?.conversationId === current.id ? jump.target : undefined}
                onJumped={jumped}
              />
            ) : (
              <EmptyChat
                missing={Boolean(openId) && loaded}
                inviteProblem={inviteProblem}
                onBack={() => open(null)}
              />
            )}
          </main>
          <NewGroupDialog
            open={creatingGroup}
            onClose={() => setCreatingGroup(false)}
            onCreated={groupCreated}
          />
        </div>
      </ConversationListContext.Provider>
    </PendingSendsContext.Provider>
  );
}

function EmptyChat(props: { missing: boolean; inviteProblem: string | null; onBack(): void }) {
  return (
    <div className="empty-pane">
      {props.inviteProblem ? (
        <>
          <h2>You couldn't join this group</h2>
          <p className="muted" role="alert">
            {props.inviteProblem}
          </p>
        </>
      ) : props.missing ? (
        <>
          <h2>This conversation isn't available</h2>
          <p className="muted">You may have left it, or the link is wrong.</p>
          <button type="button" onClick={props.onBack}>
            Back to conversations
          </button>
        </>
      ) : (
        <>
          <div className="empty-illustration" aria-hidden="true">
            💬
          </div>
          <h2>Welcome to Hallway</h2>
          <p className="muted">Pick a conversation, or find someone to message.</p>
        </>
      )}
    </div>
  );
}
