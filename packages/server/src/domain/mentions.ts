import { EVERYONE_WORDS, MENTION_PATTERN } from "@hallway/protocol";

/** Code, as the formatting subset writes it: a mention shown as code is not a mention. */
const CODE = /```[\s\S]*?```|`[^`\n]+`/g;

export interface MentionedNames {
  /** Lower-cased usernames, each once, in the order they appear. */
  usernames: string[];
  /** `@everyone` or `@all` appears. */
  everyone: boolean;
}

/** The names a text mentions. Resolving them to members is the caller's work. */
export function findMentions(text: string): MentionedNames {
  const usernames = new Set<string>();
  let everyone = false;
  for (const match of text.replace(CODE, " ").matchAll(MENTION_PATTERN)) {
    const name = match[1]!.replace(/[._-]+$/, "").toLowerCase();
    if (EVERYONE_WORDS.includes(name)) everyone = true;
    else if (name.length >= 2) usernames.add(name);
  }
  return { usernames: [...usernames], everyone };
}
