import type { SearchResult } from "@hallway/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { useHallway } from "../session/hallway-context.ts";

const DEBOUNCE_MS = 300;

export interface MessageSearch {
  results: SearchResult[];
  /** A search (or the next page) is on its way. */
  searching: boolean;
  /** The results are for the current text (not an earlier one still shown). */
  settled: boolean;
  error: string | null;
  hasMore: boolean;
  loadMore(): void;
}

interface State {
  query: string;
  results: SearchResult[];
  cursor: string | null;
  loading: boolean;
  error: string | null;
}

/**
 * Message search (GET /api/v1/search/messages) as the text is typed: after a short pause, the
 * first page; more pages on demand. Answers for text typed since are dropped.
 */
export function useMessageSearch(query: string): MessageSearch {
  const { api } = useHallway();
  const term = query.trim();
  const [state, setState] = useState<State>({
    query: "",
    results: [],
    cursor: null,
    loading: false,
    error: null,
  });
  const latest = useRef(term);
  latest.current = term;

  useEffect(() => {
    if (!term) return;
    const timer = setTimeout(() => {
      setState((s) => ({ ...s, loading: true }));
      api.searchMessages(term).then(
        (page) => {
          if (latest.current !== term) return;
          setState({
            query: term,
            results: page.results,
            cursor: page.nextCursor,
            loading: false,
            error: null,
          });
        },
        (error: unknown) => {
          if (latest.current !== term) return;
          const message = error instanceof Error ? error.message : "The search failed.";
          setState({ query: term, results: [], cursor: null, loading: false, error: message });
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [api, term]);

  const loadMore = useCallback(() => {
    if (!state.cursor || state.loading) return;
    const { query: forQuery, cursor } = state;
    setState((s) => ({ ...s, loading: true }));
    api.searchMessages(forQuery, cursor).then(
      (page) =>
        setState((s) =>
          s.query === forQuery
            ? { ...s, results: [...s.results, ...page.results], cursor: page.nextCursor, loading: false }
            : s,
        ),
      () => setState((s) => ({ ...s, loading: false, error: "More results could not be loaded." })),
    );
  }, [api, state]);

  const settled = term !== "" && state.query === term;
  return {
    results: settled ? state.results : [],
    searching: term !== "" && (!settled || state.loading),
    settled,
    error: settled ? state.error : null,
    hasMore: settled && state.cursor !== null,
    loadMore,
  };
}
