import type { SearchHighlight } from "@hallway/protocol";

/**
 * ts_headline marks the matches in hallway_search_text(body) — the body lower-cased with
 * punctuation and symbols made spaces, character for character — with these two control
 * characters, which that text never contains. The marks become ranges over the message as it
 * was typed: the text shown is always the author's, never the database's rewrite of it.
 */
export const HIGHLIGHT_START = "\u0002";
export const HIGHLIGHT_STOP = "\u0003";

/** Messages up to this length (UTF-16 units) are shown whole; longer ones around the first match. */
export const WHOLE_MESSAGE_LENGTH = 400;
const CONTEXT_BEFORE = 100;
const EXCERPT_LENGTH = 360;

/** The highlight of a message from ts_headline's output over hallway_search_text(body). */
export function highlightFromHeadline(headline: string, body: string): SearchHighlight {
  const original = Array.from(body);
  const ranges: SearchHighlight["ranges"] = [];
  let text = "";
  let start: number | null = null;
  let index = 0;
  for (const char of headline) {
    if (char === HIGHLIGHT_START) start = text.length;
    else if (char === HIGHLIGHT_STOP) {
      if (start !== null && text.length > start) ranges.push({ start, end: text.length });
      start = null;
    } else {
      text += original[index] ?? char;
      index++;
    }
  }
  // A lower-casing that changed the length (ICU's full case mapping of "İ") would misplace
  // the ranges: show the message unmarked rather than marked in the wrong places.
  if (index !== original.length) return excerpt(body, []);
  return excerpt(text, ranges);
}

/** A message found by filters alone: unmarked. */
export function plainHighlight(body: string): SearchHighlight {
  return excerpt(body, []);
}

/** The whole text if short; otherwise a part from a little before the first range, cut at spaces. */
export function excerpt(text: string, ranges: SearchHighlight["ranges"]): SearchHighlight {
  if (text.length <= WHOLE_MESSAGE_LENGTH) return { text, ranges };
  const first = ranges[0]?.start ?? 0;
  let from = Math.max(0, first - CONTEXT_BEFORE);
  if (from > 0) {
    const space = text.slice(from, first).search(/\s/);
    if (space >= 0) from += space + 1;
  }
  let to = Math.min(text.length, from + EXCERPT_LENGTH);
  if (to < text.length) {
    const space = text.slice(0, to).search(/\s\S*$/);
    const lastMark = ranges.filter((r) => r.start < to).at(-1)?.end ?? from;
    if (space > Math.max(from, lastMark)) to = space;
  }
  // Never split an emoji (a surrogate pair).
  if (isLowSurrogate(text.charCodeAt(from))) from++;
  if (to < text.length && isLowSurrogate(text.charCodeAt(to))) to--;
  const lead = from > 0 ? "… " : "";
  const tail = to < text.length ? " …" : "";
  return {
    text: lead + text.slice(from, to) + tail,
    ranges: ranges
      .filter((r) => r.start >= from && r.end <= to)
      .map((r) => ({ start: r.start - from + lead.length, end: r.end - from + lead.length })),
  };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
