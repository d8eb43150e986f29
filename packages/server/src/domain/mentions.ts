/** Words that mention every member of the conversation. */
export const EVERYONE_WORDS = ["everyone", "all"] as const;

/**
 * `@name` at the start of the text or after a space, an opening bracket or quote, or a
 * formatting marker (`**@ana**`, `_@ana_`, `~~@ana~~`), so e-mail addresses
 * (`ana@school.org`) mention nobody. A name is a username's characters; trailing dots and
 * dashes are punctuation ("thanks @ana." mentions `ana`). The web app highlights by the same
 * rule (packages/web/src/lib/mentions.ts).
 */
const MENTION = /(?<=^|[\s([{"'«“*_~])@([a-zA-Z0-9][a-zA-Z0-9._-]{0,63})/g;

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
  for (const match of text.replace(CODE, " ").matchAll(MENTION)) {
    const name = match[1]!.replace(/[._-]+$/, "").toLowerCase();
    if ((EVERYONE_WORDS as readonly string[]).includes(name)) everyone = true;
    else if (name.length >= 2) usernames.add(name);
  }
  return { usernames: [...usernames], everyone };
}
