import type { SearchHas } from "@hallway/protocol";

/** A search box's text split into the words to search for and the filters typed inline. */
export interface ParsedSearch {
  /** What is left for full-text search, in web-search syntax (words, "phrases", or, -word). */
  text: string;
  /** Usernames of `from:` (lower case, without a leading @). */
  from: string[];
  /** Names of `in:` (a group's name, or the other person of a direct conversation). */
  in: string[];
  /** Kinds of `has:`; several mean any of them. */
  has: SearchHas[];
  /** `after:YYYY-MM-DD`: sent on or after that day (UTC); the latest one wins. */
  after: string | null;
  /** `before:YYYY-MM-DD`: sent before that day (UTC); the earliest one wins. */
  before: string | null;
}

const OPERATOR = /^(from|in|has|before|after):(.*)$/is;
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HAS: Record<string, SearchHas> = {
  file: "file",
  files: "file",
  image: "image",
  images: "image",
  photo: "image",
  audio: "audio",
  voice: "audio",
  attachment: "attachment",
  attachments: "attachment",
};

/**
 * Splits a search box's text into words and inline filters: `from:ana`, `from:@ana`,
 * `in:Science`, `in:"Year 8 parents"`, `has:image`, `after:2025-01-31`, `before:2025-03-01`.
 * Operators inside quotes are words ("from:ana" in quotes is a phrase to find), and an
 * operator with a value that makes no sense (`has:banana`, `after:soon`) is left as words: a
 * search box never fails on what was typed.
 */
export function parseSearchQuery(q: string): ParsedSearch {
  const parsed: ParsedSearch = { text: "", from: [], in: [], has: [], after: null, before: null };
  const words: string[] = [];
  // Phones type curly quotes: they quote a phrase too.
  q = q.replace(/[\u201C\u201D\u201E\u201F\u2033\u301D\u301E\uFF02]/g, '"');
  let i = 0;
  while (i < q.length) {
    if (/\s/.test(q[i]!)) {
      i++;
      continue;
    }
    if (q[i] === '"') {
      const close = q.indexOf('"', i + 1);
      const end = close === -1 ? q.length : close + 1;
      words.push(q.slice(i, end));
      i = end;
      continue;
    }
    let end = i;
    while (end < q.length && !/\s/.test(q[end]!) && q[end] !== '"') end++;
    const word = q.slice(i, end);
    const operator = OPERATOR.exec(word);
    if (!operator) {
      words.push(word);
      i = end;
      continue;
    }
    let value = operator[2]!;
    // in:"Year 8 parents": the value is the quoted text that follows.
    if (value === "" && q[end] === '"') {
      const close = q.indexOf('"', end + 1);
      const stop = close === -1 ? q.length : close;
      value = q.slice(end + 1, stop);
      end = close === -1 ? q.length : close + 1;
    }
    if (!apply(parsed, operator[1]!.toLowerCase(), value.trim())) words.push(q.slice(i, end));
    i = end;
  }
  parsed.text = words.join(" ");
  return parsed;
}

function apply(parsed: ParsedSearch, operator: string, value: string): boolean {
  switch (operator) {
    case "from": {
      const username = value.replace(/^@/, "").toLowerCase();
      if (!USERNAME.test(username)) return false;
      if (!parsed.from.includes(username)) parsed.from.push(username);
      return true;
    }
    case "in": {
      if (value === "" || value.length > 200) return false;
      parsed.in.push(value);
      return true;
    }
    case "has": {
      const kind = HAS[value.toLowerCase()];
      if (!kind) return false;
      if (!parsed.has.includes(kind)) parsed.has.push(kind);
      return true;
    }
    case "after":
    case "before": {
      if (!isDay(value)) return false;
      if (operator === "after") parsed.after = parsed.after && parsed.after > value ? parsed.after : value;
      else parsed.before = parsed.before && parsed.before < value ? parsed.before : value;
      return true;
    }
    default:
      return false;
  }
}

function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** The message kinds each `has:` value stands for. */
export const KINDS_OF: Record<SearchHas, readonly string[]> = {
  file: ["file"],
  image: ["image"],
  audio: ["audio"],
  attachment: ["file", "image", "audio"],
};

/** What search looks at when nothing narrows it: messages people wrote, never system notices. */
export const SEARCHABLE_KINDS: readonly string[] = ["text", "file", "image", "audio"];
