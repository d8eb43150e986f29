/** The reactions offered in the picker, with the names screen readers say. */
export const QUICK_REACTIONS: { emoji: string; name: string }[] = [
  { emoji: "👍", name: "thumbs up" },
  { emoji: "❤️", name: "heart" },
  { emoji: "😂", name: "laughing" },
  { emoji: "😮", name: "surprised" },
  { emoji: "😢", name: "sad" },
  { emoji: "🎉", name: "party" },
  { emoji: "✅", name: "done" },
  { emoji: "👏", name: "clapping" },
];

/** A reaction's spoken name: "thumbs up" for 👍, the short name for `:name:`, else the emoji. */
export function emojiName(emoji: string): string {
  const known = QUICK_REACTIONS.find((r) => r.emoji === emoji);
  if (known) return known.name;
  const short = /^:([a-z0-9_+-]+):$/.exec(emoji);
  return short ? short[1]!.replace(/_/g, " ") : emoji;
}
