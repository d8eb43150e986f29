import type { Message } from "@hallway/protocol";
import { usePeople } from "../hooks/use-directory.ts";
import { EVERYONE_WORDS, splitMentions } from "../lib/mentions.ts";

/**
 * A message's text as React text nodes (never HTML), with the people it mentions marked:
 * `@username` of someone the server resolved, and `@everyone`; mentions of me stand out more.
 */
export function MessageText(props: { message: Message; myId: string; myUsername: string }) {
  const { message, myId } = props;
  const personOf = usePeople(message.mentions);
  const mentioned = new Map<string, string>(); // lower-cased username → user id
  for (const id of message.mentions) {
    const username = id === myId ? props.myUsername : personOf(id)?.username;
    if (username) mentioned.set(username.toLowerCase(), id);
  }
  const hasMentions = message.mentions.length > 0 || message.mentionsEveryone;
  const parts = hasMentions ? splitMentions(message.text) : [{ text: message.text }];
  return (
    <p className="text">
      {parts.map((part, i) => {
        if (!part.mention) return part.text;
        const everyone = EVERYONE_WORDS.includes(part.mention) && message.mentionsEveryone;
        const userId = mentioned.get(part.mention);
        if (!everyone && !userId) return part.text;
        const me = (everyone && message.senderId !== myId) || userId === myId;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one text, in order, never reordered.
          <span key={i} className={me ? "mention mention-me" : "mention"} data-mention={part.mention}>
            {part.text}
          </span>
        );
      })}
    </p>
  );
}
