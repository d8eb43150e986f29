/*
 * The school's word filter as a pure function of its entries and a text. Patterns are words
 * or phrases matched case-insensitively on word boundaries in any script; the service keeps
 * the compiled filter in memory so the send path never queries for it.
 */

export type WordFilterAction = "flag" | "mask" | "reject";

export interface WordFilterEntry {
  readonly id: string;
  /** As stored: see normalizePattern. */
  readonly pattern: string;
  readonly action: WordFilterAction;
}

/** What the filter makes of a text. */
export type Screening =
  | { readonly verdict: "reject"; readonly rejectedBy: readonly WordFilterEntry[] }
  | {
      readonly verdict: "accept";
      /** The text to store: the original, or with the masked words replaced by asterisks. */
      readonly text: string;
      readonly masked: boolean;
      /** Flag entries the text contains, each once, in pattern order. */
      readonly flaggedBy: readonly WordFilterEntry[];
    };

/**
 * The form a pattern is stored and compared in: Unicode NFC, lower case, trimmed, with single
 * spaces between words. Two entries that differ only in case or spacing are the same entry.
 */
export function normalizePattern(input: string): string {
  return input.normalize("NFC").trim().replace(/\s+/gu, " ").toLowerCase();
}

/** Letters, marks, digits and connectors (`_`): what a word is made of, in any script. */
const WORD_CHAR = String.raw`[\p{L}\p{M}\p{N}\p{Pc}]`;
/** Scripts written without spaces between words: a pattern in them matches inside a run of text. */
const UNSPACED = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;

/** Escapes what is special in a `u`-mode regular expression (no identity escapes allowed there). */
function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, String.raw`\$&`);
}

/** A pattern as a regular expression source: spaces match any run of white space, edges are word boundaries. */
function sourceOf(pattern: string): string {
  const chars = Array.from(pattern);
  const body = pattern.split(" ").map(escapeRegExp).join(String.raw`\s+`);
  const before = UNSPACED.test(chars[0] ?? "") ? "" : `(?<!${WORD_CHAR})`;
  const after = UNSPACED.test(chars.at(-1) ?? "") ? "" : `(?!${WORD_CHAR})`;
  return `${before}${body}${after}`;
}

function alternation(entries: readonly WordFilterEntry[], flags: string): RegExp | null {
  if (entries.length === 0) return null;
  // Longest first, so a phrase wins over a word it starts with.
  const sorted = [...entries].sort((a, b) => b.pattern.length - a.pattern.length);
  return new RegExp(sorted.map((e) => `(?:${sourceOf(e.pattern)})`).join("|"), flags);
}

/** Asterisks for every character of a match but the white space between its words. */
function stars(match: string): string {
  return Array.from(match, (c) => (/\s/u.test(c) ? c : "*")).join("");
}

/**
 * A school's word filter, compiled: one regular expression per action, so a text is scanned
 * at most three times whatever the number of entries.
 */
export class CompiledWordFilter {
  readonly size: number;
  private readonly reject: RegExp | null;
  private readonly mask: RegExp | null;
  private readonly flag: RegExp | null;
  private readonly flags: readonly WordFilterEntry[];
  private readonly rejects: readonly WordFilterEntry[];

  constructor(entries: readonly WordFilterEntry[]) {
    this.size = entries.length;
    this.rejects = entries.filter((e) => e.action === "reject");
    this.flags = entries.filter((e) => e.action === "flag");
    this.reject = alternation(this.rejects, "iu");
    this.mask = alternation(
      entries.filter((e) => e.action === "mask"),
      "giu",
    );
    this.flag = alternation(this.flags, "giu");
  }

  /**
   * Reject wins over everything; otherwise masked words become asterisks and flag entries are
   * named. Texts are compared in NFC, so a word typed with combining accents matches too; a
   * masked text is stored in NFC.
   */
  screen(text: string): Screening {
    if (this.size === 0) return { verdict: "accept", text, masked: false, flaggedBy: [] };
    const nfc = text.normalize("NFC");
    if (this.reject?.test(nfc))
      return { verdict: "reject", rejectedBy: this.rejects.filter((e) => matches(e, nfc)) };
    let flaggedBy: WordFilterEntry[] = [];
    if (this.flag) {
      this.flag.lastIndex = 0;
      if (this.flag.test(nfc)) flaggedBy = this.flags.filter((e) => matches(e, nfc));
    }
    if (!this.mask) return { verdict: "accept", text, masked: false, flaggedBy };
    let masked = false;
    const replaced = nfc.replace(this.mask, (match) => {
      masked = true;
      return stars(match);
    });
    return masked
      ? { verdict: "accept", text: replaced, masked, flaggedBy }
      : { verdict: "accept", text, masked, flaggedBy };
  }
}

function matches(entry: WordFilterEntry, text: string): boolean {
  return new RegExp(sourceOf(entry.pattern), "iu").test(text);
}

export const EMPTY_WORD_FILTER = new CompiledWordFilter([]);
