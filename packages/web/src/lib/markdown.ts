import { splitMentions } from "./mentions.ts";

/**
 * The small markdown subset messages may use, parsed into a tree the app renders as React
 * elements (never HTML):
 *
 * - inline: `**bold**`, `*italic*` or `_italic_`, `~~struck~~`, `` `code` `` (any run of
 *   backticks, closed by the same run), bare `http(s)://` links, and `@mentions`;
 * - blocks: ```` ``` ```` fenced code, `> quotes`, `- ` or `* ` bullets, `1. ` numbered lists;
 *   everything else is a paragraph whose line breaks are kept.
 *
 * Anything else stays literal: HTML, `[text](url)`, headings, a marker that is not closed, and
 * markers inside words (`snake_case`, `2*3*4`). Code and links win over emphasis; mentions are
 * found with the server's rule, outside code and links. It runs in about linear time (closers
 * are found by binary search, fences by a precomputed table), so a hostile message stays fast.
 */

export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  /** `href` is the parsed URL (http or https only); `text` is what was typed. */
  | { type: "link"; href: string; text: string }
  /** `name` is lower-cased, without the `@`. */
  | { type: "mention"; name: string; text: string }
  | { type: "strong" | "em" | "strike"; children: Inline[] };

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "code"; text: string }
  | { type: "quote"; children: Block[] }
  | { type: "list"; ordered: boolean; start: number; items: Inline[][] };

/** Parses a message's text. */
export function parseMarkdown(text: string): Block[] {
  return parseBlocks(text.split(/\r?\n/), true);
}

/** The text without its markers, for one-line previews: "**Trip** on _Friday_" → "Trip on Friday". */
export function markdownToPlain(text: string): string {
  return blocksText(parseMarkdown(text));
}

// ---------------------------------------------------------------------------------------------
// Blocks

const FENCE_OPEN = /^ {0,3}(`{3,})([^`]*)$/;
const FENCE_BARE = /^ {0,3}(`{3,})[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const BULLET = /^ {0,3}[-*][ \t]+(\S.*)$/;
const ORDERED = /^ {0,3}(\d{1,3})[.)][ \t]+(\S.*)$/;
const CONTINUATION = /^(?: {2,}|\t)\s*\S/;

function parseBlocks(lines: string[], allowQuotes: boolean): Block[] {
  const blocks: Block[] = [];
  const closers = fenceClosers(lines);
  let paragraph: string[] = [];
  const flush = () => {
    let first = 0;
    let last = paragraph.length - 1;
    while (first <= last && paragraph[first]!.trim() === "") first++;
    while (last >= first && paragraph[last]!.trim() === "") last--;
    if (first <= last)
      blocks.push({ type: "paragraph", children: parseInline(paragraph.slice(first, last + 1).join("\n")) });
    paragraph = [];
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      const close = closers.find(i, fence[1]!.length);
      if (close >= 0) {
        flush();
        blocks.push({ type: "code", text: lines.slice(i + 1, close).join("\n") });
        i = close + 1;
        continue;
      }
    }
    if (allowQuotes && QUOTE.test(line)) {
      flush();
      const inside: string[] = [];
      for (let m = QUOTE.exec(line); m; m = i < lines.length ? QUOTE.exec(lines[i]!) : null) {
        inside.push(m[1]!);
        i++;
      }
      blocks.push({ type: "quote", children: parseBlocks(inside, false) });
      continue;
    }
    const bullet = BULLET.exec(line);
    const ordered = bullet ? null : ORDERED.exec(line);
    // A numbered line inside a paragraph starts a list only from 1 ("We came 2. place" does not).
    if (bullet || (ordered && (paragraph.length === 0 || ordered[1] === "1"))) {
      flush();
      const pattern = bullet ? BULLET : ORDERED;
      const items: string[][] = [];
      while (i < lines.length) {
        const item = pattern.exec(lines[i]!);
        if (item) items.push([item.at(-1)!]);
        else if (CONTINUATION.test(lines[i]!)) items.at(-1)!.push(lines[i]!.trim());
        else break;
        i++;
      }
      blocks.push({
        type: "list",
        ordered: !bullet,
        start: ordered ? Number(ordered[1]) : 1,
        items: items.map((item) => parseInline(item.join("\n"))),
      });
      continue;
    }
    paragraph.push(line);
    i++;
  }
  flush();
  return blocks;
}

/**
 * Where each fence closes: a bare line of at least as many backticks. The longest fence from
 * each line onwards answers "is there any?" at once, so unclosed fences cost nothing; a scan
 * that does find its closer moves past the lines it scanned.
 */
function fenceClosers(lines: string[]) {
  const bare = lines.map((line) => FENCE_BARE.exec(line)?.[1]?.length ?? 0);
  const longestFrom = new Array<number>(lines.length + 1).fill(0);
  for (let i = lines.length - 1; i >= 0; i--) longestFrom[i] = Math.max(bare[i]!, longestFrom[i + 1]!);
  return {
    find(open: number, length: number): number {
      if (longestFrom[open + 1]! < length) return -1;
      for (let j = open + 1; j < lines.length; j++) if (bare[j]! >= length) return j;
      return -1;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Inline

interface Atom {
  start: number;
  end: number;
  node: Inline;
}

type EmphasisType = "strong" | "em" | "strike";

type Token =
  | { kind: "text"; text: string }
  | { kind: "atom"; node: Inline }
  | { kind: "delim"; text: string; type: EmphasisType | null; canOpen: boolean; canClose: boolean };

/** Parses one paragraph's (or list item's) text. */
export function parseInline(text: string): Inline[] {
  const tokens = tokenize(text, findAtoms(text));
  return new Emphasis(tokens).parse(0, tokens.length, 0);
}

/** Code spans first, then links outside them, then mentions outside both. Sorted, disjoint. */
function findAtoms(text: string): Atom[] {
  const code = codeSpans(text);
  const links: Atom[] = [];
  for (const link of findLinks(text)) if (!overlaps(code, link.start, link.end)) links.push(link);
  const atoms = mergeSorted(code, links);
  const mentions: Atom[] = [];
  let at = 0;
  for (const part of splitMentions(text)) {
    const start = at;
    at += part.text.length;
    if (part.mention && !overlaps(atoms, start, at))
      mentions.push({ start, end: at, node: { type: "mention", name: part.mention, text: part.text } });
  }
  return mergeSorted(atoms, mentions);
}

/** `` `code` ``: a run of backticks closed by the next run of the same length. */
function codeSpans(text: string): Atom[] {
  const runs: { start: number; length: number }[] = [];
  for (let i = text.indexOf("`"); i >= 0; i = text.indexOf("`", i)) {
    let j = i;
    while (text[j] === "`") j++;
    runs.push({ start: i, length: j - i });
    i = j;
  }
  const byLength = new Map<number, number[]>();
  runs.forEach((run, index) => {
    const list = byLength.get(run.length) ?? [];
    list.push(index);
    byLength.set(run.length, list);
  });
  const spans: Atom[] = [];
  for (let r = 0; r < runs.length; ) {
    const open = runs[r]!;
    const same = byLength.get(open.length)!;
    const q = same[firstAbove(same, r)];
    if (q === undefined) {
      r++;
      continue;
    }
    const close = runs[q]!;
    let inner = text.slice(open.start + open.length, close.start);
    if (inner.length > 1 && inner.startsWith(" ") && inner.endsWith(" ") && inner.trim() !== "")
      inner = inner.slice(1, -1);
    spans.push({ start: open.start, end: close.start + close.length, node: { type: "code", text: inner } });
    r = q + 1;
  }
  return spans;
}

const URL_CANDIDATE = /(?<![\p{L}\p{N}])https?:\/\/[^\s<>]+/giu;
const TRAILING_PUNCTUATION = ".,:;!?'\"*_~";
const MAX_LINK = 2048;

/** Bare http(s) URLs, without the punctuation after them (and a closing bracket they did not open). */
function findLinks(text: string): Atom[] {
  const links: Atom[] = [];
  for (const match of text.matchAll(URL_CANDIDATE)) {
    let url = match[0];
    let open = 0;
    let close = 0;
    for (const ch of url) {
      if (ch === "(") open++;
      else if (ch === ")") close++;
    }
    while (url.length > 0) {
      const last = url[url.length - 1]!;
      if (TRAILING_PUNCTUATION.includes(last) || last === "]") url = url.slice(0, -1);
      else if (last === ")" && close > open) {
        url = url.slice(0, -1);
        close--;
      } else break;
    }
    const href = safeHref(url);
    if (href)
      links.push({
        start: match.index,
        end: match.index + url.length,
        node: { type: "link", href, text: url },
      });
  }
  return links;
}

function safeHref(url: string): string | null {
  if (url.length > MAX_LINK) return null;
  try {
    const parsed = new URL(url);
    if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.hostname) return null;
    return parsed.href;
  } catch {
    return null;
  }
}

const WHITESPACE = /\s/;
const WORD = /[\p{L}\p{N}]/u;
const DELIMITERS = new Map<string, EmphasisType>([
  ["**", "strong"],
  ["*", "em"],
  ["_", "em"],
  ["~~", "strike"],
]);

/** Text, atoms and runs of `*`, `_` or `~` with whether they may open or close emphasis. */
function tokenize(text: string, atoms: Atom[]): Token[] {
  const tokens: Token[] = [];
  let plain = "";
  const push = (token: Token) => {
    if (plain) tokens.push({ kind: "text", text: plain });
    plain = "";
    tokens.push(token);
  };
  let next = 0;
  for (let i = 0; i < text.length; ) {
    const atom = atoms[next];
    if (atom && atom.start === i) {
      push({ kind: "atom", node: atom.node });
      i = atom.end;
      next++;
      continue;
    }
    const ch = text[i]!;
    if (ch !== "*" && ch !== "_" && ch !== "~") {
      plain += ch;
      i++;
      continue;
    }
    let j = i;
    const limit = atom ? atom.start : text.length;
    while (j < limit && text[j] === ch) j++;
    const run = text.slice(i, j);
    const before = text[i - 1];
    const after = text[j];
    // Markers sit at word edges: not inside a word, and touching the text they mark.
    const canOpen = after !== undefined && !WHITESPACE.test(after) && !(before && WORD.test(before));
    const canClose = before !== undefined && !WHITESPACE.test(before) && !(after && WORD.test(after));
    push({ kind: "delim", text: run, type: DELIMITERS.get(run) ?? null, canOpen, canClose });
    i = j;
  }
  if (plain) tokens.push({ kind: "text", text: plain });
  return tokens;
}

/**
 * Pairs each opener with the first closer of the same run after it, inside the range being
 * parsed; a kind does not nest in itself (so the depth is at most three). An opener without a
 * closer is text.
 */
class Emphasis {
  private readonly closers = new Map<string, number[]>();

  constructor(private readonly tokens: Token[]) {
    tokens.forEach((token, index) => {
      if (token.kind !== "delim" || !token.type || !token.canClose) return;
      const list = this.closers.get(token.text) ?? [];
      list.push(index);
      this.closers.set(token.text, list);
    });
  }

  parse(from: number, to: number, inside: number): Inline[] {
    const out: Inline[] = [];
    const text = (value: string) => {
      const last = out.at(-1);
      if (last?.type === "text") last.text += value;
      else out.push({ type: "text", text: value });
    };
    for (let k = from; k < to; ) {
      const token = this.tokens[k]!;
      if (token.kind === "text") text(token.text);
      else if (token.kind === "atom") out.push(token.node);
      else {
        const bit = token.type ? BITS[token.type] : 0;
        if (token.type && token.canOpen && !(inside & bit)) {
          const list = this.closers.get(token.text);
          const close = list?.[firstAbove(list, k)];
          if (close !== undefined && close < to) {
            out.push({ type: token.type, children: this.parse(k + 1, close, inside | bit) });
            k = close + 1;
            continue;
          }
        }
        text(token.text);
      }
      k++;
    }
    return out;
  }
}

const BITS: Record<EmphasisType, number> = { strong: 1, em: 2, strike: 4 };

// ---------------------------------------------------------------------------------------------
// Helpers

/** The index of the first value above `value` in an ascending list (its length if none). */
function firstAbove(list: number[], value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (list[mid]! > value) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Whether [start, end) meets any of the sorted, disjoint atoms. */
function overlaps(atoms: Atom[], start: number, end: number): boolean {
  let low = 0;
  let high = atoms.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (atoms[mid]!.end <= start) low = mid + 1;
    else high = mid;
  }
  const atom = atoms[low];
  return atom !== undefined && atom.start < end;
}

function mergeSorted(a: Atom[], b: Atom[]): Atom[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...a, ...b].sort((x, y) => x.start - y.start);
}

function inlineText(nodes: Inline[]): string {
  let out = "";
  for (const node of nodes) out += "children" in node ? inlineText(node.children) : node.text;
  return out;
}

function blocksText(blocks: Block[]): string {
  return blocks.map(blockText).join("\n");
}

function blockText(block: Block): string {
  switch (block.type) {
    case "paragraph":
      return inlineText(block.children);
    case "code":
      return block.text;
    case "quote":
      return blocksText(block.children);
    case "list":
      return block.items
        .map((item, i) => `${block.ordered ? `${block.start + i}.` : "•"} ${inlineText(item)}`)
        .join("\n");
  }
}
