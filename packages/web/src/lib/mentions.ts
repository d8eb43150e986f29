import { EVERYONE_WORDS, MENTION_PATTERN } from "@hallway/protocol";

/** Re-exported for the components that mark `@everyone`. */
export { EVERYONE_WORDS };

export type TextPart = { text: string; mention?: string };

/** The text cut into plain parts and `@name` parts (`mention`: the lower-cased name). */
export function splitMentions(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const match of text.matchAll(MENTION_PATTERN)) {
    const name = match[1]!.replace(/[._-]+$/, "");
    const start = match.index;
    const end = start + 1 + name.length;
    if (start > at) parts.push({ text: text.slice(at, start) });
    parts.push({ text: text.slice(start, end), mention: name.toLowerCase() });
    at = end;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

/** The `@word` being typed just before the caret, if any: where its `@` is and what follows it. */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const match = /(?:^|[\s([{"'«“])@([a-zA-Z0-9._-]{0,64})$/.exec(text.slice(0, caret));
  if (!match) return null;
  const query = match[1]!;
  return { start: caret - query.length - 1, query };
}
