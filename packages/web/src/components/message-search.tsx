import type { SearchHighlight, SearchResult } from "@hallway/protocol";
import { type KeyboardEvent, type ReactNode, useRef, useState } from "react";
import { usePeople } from "../hooks/use-directory.ts";
import { useMessageSearch } from "../hooks/use-message-search.ts";
import { conversationHref } from "../hooks/use-route.ts";
import { formatListTime } from "../lib/format.ts";
import { useHallway } from "../session/hallway-context.ts";

const KIND_LABELS: Record<string, string> = { image: "Photo", file: "File", audio: "Voice note" };

/**
 * Search the messages of my conversations: words, "a phrase", -word, and filters typed in the
 * box (from:username, in:group, has:image, after:2025-01-31). Each result shows the
 * conversation, who wrote it (as the conversation list does: "You" or, in groups, the name),
 * when, and the text with the matching words marked; choosing one
 * opens the conversation at that message. Arrow keys move between results, Escape clears.
 */
export function MessageSearch(props: { onOpen(result: SearchResult): void }) {
  const [query, setQuery] = useState("");
  const search = useMessageSearch(query);
  const { me } = useHallway();
  const personOf = usePeople([
    ...new Set(
      search.results.flatMap((r) =>
        r.message.senderId && r.message.senderId !== me.id ? [r.message.senderId] : [],
      ),
    ),
  ]);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const shown = query.trim() !== "";

  const links = () => Array.from(list.current?.querySelectorAll<HTMLElement>("a") ?? []);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape" && query) {
      event.stopPropagation();
      event.preventDefault();
      setQuery("");
      input.current?.focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const all = links();
    if (all.length === 0) return;
    event.preventDefault();
    const at = all.indexOf(document.activeElement as HTMLElement);
    if (event.key === "ArrowDown") all[Math.min(all.length - 1, at + 1)]?.focus();
    else if (at <= 0) input.current?.focus();
    else all[at - 1]?.focus();
  };

  const nameOf = (senderId: string | null) =>
    senderId === me.id ? "You" : senderId ? (personOf(senderId)?.displayName ?? "Someone") : "Someone";
  let status = "";
  if (search.error) status = search.error;
  else if (!search.settled) status = "Searching…";
  else if (search.results.length === 0) status = "No messages found.";
  else
    status = `${search.results.length}${search.hasMore ? "+" : ""} message${search.results.length === 1 && !search.hasMore ? "" : "s"} found`;

  return (
    <search className="message-search" aria-label="Messages" onKeyDown={onKeyDown}>
      <label htmlFor="message-search-input" className="visually-hidden">
        Search messages
      </label>
      <input
        ref={input}
        id="message-search-input"
        type="search"
        placeholder="Search messages…"
        autoComplete="off"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        aria-describedby="message-search-hint"
        aria-controls="message-search-results"
      />
      <p id="message-search-hint" className="visually-hidden">
        Words, "a phrase", or, -word to leave one out; filters from:username, in:group name, has:image,
        has:file, has:audio, after:2025-01-31, before:2025-03-01.
      </p>
      {shown && (
        <div id="message-search-results" className="search-results message-results">
          <p className="muted small" role="status">
            {status}
          </p>
          <ul aria-label="Messages found" ref={list}>
            {search.results.map((result) => (
              <li key={result.message.id}>
                <a
                  className="message-hit"
                  href={conversationHref(result.conversation.id)}
                  onClick={() => props.onOpen(result)}
                >
                  <span className="message-hit-top">
                    <span className="message-hit-conversation">
                      {result.conversation.name ?? "Conversation"}
                    </span>
                    <time dateTime={result.message.createdAt}>
                      {formatListTime(result.message.createdAt)}
                    </time>
                  </span>
                  <span className="message-hit-text">
                    {(result.conversation.kind !== "direct" || result.message.senderId === me.id) && (
                      <span className="message-hit-sender">{nameOf(result.message.senderId)}: </span>
                    )}
                    {KIND_LABELS[result.message.kind] && (
                      <span className="message-hit-kind">{KIND_LABELS[result.message.kind]} </span>
                    )}
                    <Highlighted highlight={result.highlight} />
                  </span>
                </a>
              </li>
            ))}
          </ul>
          {search.hasMore && (
            <button
              type="button"
              className="link-button"
              onClick={search.loadMore}
              disabled={search.searching}
            >
              More results
            </button>
          )}
        </div>
      )}
    </search>
  );
}

/** The text with its matching words in <mark>: React elements around plain text, never HTML. */
export function Highlighted(props: { highlight: SearchHighlight }) {
  const { text, ranges } = props.highlight;
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [i, range] of ranges.entries()) {
    if (range.start < at || range.end > text.length || range.end <= range.start) continue;
    if (range.start > at) parts.push(text.slice(at, range.start));
    parts.push(<mark key={i}>{text.slice(range.start, range.end)}</mark>);
    at = range.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}
