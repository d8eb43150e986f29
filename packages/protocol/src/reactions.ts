import { z } from "zod";
import { Id } from "./common.ts";

/** The most bytes (UTF-8) a reaction may take: enough for a family or a flag, not for a sentence. */
export const MAX_EMOJI_BYTES = 32;

/** The most different reactions one person may put on one message. */
export const MAX_REACTIONS_PER_USER = 20;

const SHORTCODE = /^:[a-z0-9_+-]{1,30}:$/;
// A pictograph (😀, ❤, 👍🏽, 👨‍👩‍👧), a flag (two regional indicators) or a keycap (1️⃣).
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}|^[0-9#*]\uFE0F?\u20E3$/u;

let segmenter: Intl.Segmenter | undefined;

/** Whether a string is one emoji as a person sees it: one grapheme that is a pictograph, flag or keycap. */
export function isSingleEmoji(text: string): boolean {
  if (!PICTOGRAPH.test(text)) return false;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let graphemes = 0;
  for (const _ of segmenter.segment(text)) if (++graphemes > 1) return false;
  return graphemes === 1;
}

/**
 * A reaction: one emoji grapheme (`👍`, `👍🏽`, `🇫🇷`) or a short name between colons
 * (`:thumbsup:`, lower-case letters, digits, `_`, `+`, `-`), at most 32 bytes of UTF-8.
 * In a URL path, percent-encode it.
 */
export const Emoji = z
  .string()
  .min(1)
  .max(MAX_EMOJI_BYTES)
  .refine((s) => new TextEncoder().encode(s).length <= MAX_EMOJI_BYTES, `at most ${MAX_EMOJI_BYTES} bytes`)
  .refine((s) => SHORTCODE.test(s) || isSingleEmoji(s), "a single emoji, or a short name like :thumbsup:");

/** One emoji's reactions on a message. */
export const ReactionCount = z.object({
  emoji: z.string(),
  /** How many people reacted with it. */
  count: z.number().int(),
  /** Whether you are one of them. */
  me: z.boolean(),
});
export type ReactionCount = z.infer<typeof ReactionCount>;

export const ReactionParams = z.strictObject({ conversationId: Id, messageId: Id, emoji: Emoji });

/** Your reaction after a PUT or DELETE: set or not, and how many people reacted with this emoji. */
export const ReactionResult = z.object({
  messageId: Id,
  emoji: z.string(),
  count: z.number().int(),
  me: z.boolean(),
  /** The `reaction.updated` event's position in the log; null when nothing changed (a repeat). */
  seq: z.number().int().nullable(),
});
export type ReactionResult = z.infer<typeof ReactionResult>;

/** Who reacted to a message, per emoji in the order first used, oldest reaction first. */
export const ReactionList = z.object({
  messageId: Id,
  reactions: z.array(z.object({ emoji: z.string(), userIds: z.array(Id) })),
});
export type ReactionList = z.infer<typeof ReactionList>;
