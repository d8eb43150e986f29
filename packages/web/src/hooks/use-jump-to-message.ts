import { useEffect, useRef } from "react";
import type { MessageHistory } from "./use-messages.ts";

/** How many older pages to load looking for the message before giving up (50 messages each). */
const MAX_PAGES = 40;

/**
 * Brings a message into view (one chosen in the search results): loads older pages until it is
 * there, scrolls it to the middle, marks it for a moment (`data-found`) and gives it the focus.
 * `done` is called once it is shown, or when it cannot be (deleted, or too far back).
 */
export function useJumpToMessage(history: MessageHistory, seq: number | undefined, done: () => void): void {
  const pages = useRef(0);
  const { loading, messages, hasOlder, loadOlder } = history;
  // biome-ignore lint/correctness/useExhaustiveDependencies: looks again whenever a page arrives.
  useEffect(() => {
    if (seq === undefined) {
      pages.current = 0;
      return;
    }
    if (loading) return;
    const element = document.querySelector<HTMLElement>(`.chat [data-seq="${seq}"]`);
    if (element) {
      element.scrollIntoView({ block: "center" });
      element.dataset.found = "true";
      element.tabIndex = -1;
      element.focus({ preventScroll: true });
      setTimeout(() => delete element.dataset.found, 4000);
      pages.current = 0;
      done();
      return;
    }
    const first = messages[0]?.seq;
    if (hasOlder && (first === undefined || first > seq) && pages.current < MAX_PAGES) {
      pages.current++;
      loadOlder();
    } else {
      pages.current = 0;
      done();
    }
  }, [seq, loading, messages, hasOlder]);
}
