import type { UserProfile } from "@hallway/protocol";
import { Avatar } from "./avatar.tsx";

/** Someone to mention, or everyone. */
export type MentionCandidate = { kind: "person"; user: UserProfile } | { kind: "everyone" };

/** How many suggestions are shown at once. */
const MAX_SUGGESTIONS = 6;

/**
 * The members whose name or username begins with what follows the `@` (any word of the name),
 * then `@everyone` when it may be offered. Me excluded.
 */
export function mentionCandidates(
  people: UserProfile[],
  query: string,
  myId: string,
  offerEveryone: boolean,
): MentionCandidate[] {
  const q = query.toLowerCase();
  const matches = people.filter(
    (user) =>
      user.id !== myId &&
      (user.username.toLowerCase().startsWith(q) ||
        user.displayName
          .toLowerCase()
          .split(/\s+/)
          .some((word) => word.startsWith(q))),
  );
  matches.sort((a, b) => a.displayName.localeCompare(b.displayName));
  const list: MentionCandidate[] = matches
    .slice(0, MAX_SUGGESTIONS)
    .map((user) => ({ kind: "person", user }));
  if (offerEveryone && "everyone".startsWith(q)) list.push({ kind: "everyone" });
  return list;
}

export function candidateText(candidate: MentionCandidate): string {
  return candidate.kind === "everyone" ? "@everyone" : `@${candidate.user.username}`;
}

/** The suggestions under the `@` being typed: a listbox the message box points into (aria-activedescendant). */
export function MentionSuggestions(props: {
  id: string;
  candidates: MentionCandidate[];
  active: number;
  onPick(candidate: MentionCandidate): void;
  onHover(index: number): void;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the combobox pattern: the message box keeps the focus and points at the active option.
    <ul id={props.id} className="mention-suggestions" role="listbox" aria-label="People to mention">
      {props.candidates.map((candidate, i) => (
        // biome-ignore lint/a11y/useKeyWithClickEvents: the keys are handled by the message box, which keeps the focus.
        // biome-ignore lint/a11y/useFocusableInteractive: options are pointed at (aria-activedescendant), never focused.
        <li
          key={candidate.kind === "everyone" ? "everyone" : candidate.user.id}
          id={`${props.id}-${i}`}
          // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: an option of the listbox above.
          role="option"
          aria-selected={i === props.active}
          className={i === props.active ? "active" : undefined}
          // The message box keeps the focus: a mouse pick must not take it away.
          onMouseDown={(event) => event.preventDefault()}
          onMouseEnter={() => props.onHover(i)}
          onClick={() => props.onPick(candidate)}
        >
          {candidate.kind === "everyone" ? (
            <>
              <span className="avatar small group" aria-hidden="true">
                @
              </span>
              <span className="person-name">everyone</span>
              <span className="person-role">Notify every member</span>
            </>
          ) : (
            <>
              <Avatar
                name={candidate.user.displayName}
                seed={candidate.user.id}
                url={candidate.user.avatarUrl}
                size="small"
              />
              <span className="person-name">{candidate.user.displayName}</span>
              <span className="person-role">@{candidate.user.username}</span>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
