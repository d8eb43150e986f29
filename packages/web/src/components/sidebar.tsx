import type { ConversationSummary, SearchResult, UserProfile } from "@hallway/protocol";
import { ConnectionBanner } from "./connection-banner.tsx";
import { ConversationList } from "./conversation-list.tsx";
import { MessageSearch } from "./message-search.tsx";
import { PeopleSearch } from "./people-search.tsx";
import { ProfileMenu } from "./profile-menu.tsx";

/** Me and my status, the connection, people and message search, "New group", and my conversations. */
export function Sidebar(props: {
  conversations: ConversationSummary[];
  loaded: boolean;
  openId: string | null;
  reading: boolean;
  pendingCount: number;
  manualAway: boolean;
  onManualAway(away: boolean): void;
  onStartDirect(user: UserProfile): Promise<void>;
  onNewGroup(): void;
  /** A message chosen in the search results: open its conversation there. */
  onOpenMessage(result: SearchResult): void;
}) {
  return (
    <aside className="sidebar" aria-label="Your conversations">
      <div className="sidebar-top">
        <ProfileMenu manualAway={props.manualAway} onManualAway={props.onManualAway} />
      </div>
      <ConnectionBanner pendingCount={props.pendingCount} />
      <div className="sidebar-tools">
        <PeopleSearch onPick={props.onStartDirect} />
        <MessageSearch onOpen={props.onOpenMessage} />
        <button type="button" className="new-group" onClick={props.onNewGroup}>
          <span aria-hidden="true">+</span> New group
        </button>
      </div>
      <ConversationList
        conversations={props.conversations}
        loaded={props.loaded}
        openId={props.openId}
        reading={props.reading}
      />
    </aside>
  );
}
