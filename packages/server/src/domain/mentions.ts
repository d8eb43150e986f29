/** Words that mention every member of the conversation. */
export const EVERYONE_WORDS = ["everyone", "all"] as const;

/**
 * `@name` at the start of the text or after a space or an opening bracket or quote, so e-mail
 * addresses (`ana@school.org`) mention nobody. A name is a username's characters; trailing
 * dots and dashes are punctuation ("thanks @ana." mentions `ana`).
 */
const MENTION = /(?<=^|[\s([{"'«“])@([a-zA-Z0-9][a-zA-Z0-9._-]{0,63})/g;

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
  for (const match of text.matchAll(MENTION)) {
    const name = match[1]!.replace(/[._-]+$/, "").toLowerCase();
    if ((EVERYONE_WORDS as readonly string[]).includes(name)) everyone = true;
    else if (name.length >= 2) usernames.add(name);
  }
  return { usernames: [...usernames], everyone };
}
