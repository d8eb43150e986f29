import { z } from "zod";
import { CONTROL_CHARACTERS, Id } from "./common.ts";
import { ConversationKind } from "./conversations.ts";
import { Message } from "./messages.ts";

/** What `has` asks for: messages with a file, an image, a voice note or audio, or any of them. */
export const SearchHas = z.enum(["file", "image", "audio", "attachment"]);
export type SearchHas = z.infer<typeof SearchHas>;

/** The longest search text, in UTF-16 code units. */
export const MAX_SEARCH_LENGTH = 500;

/**
 * A bound of a date range: a day (`2025-03-14`, the whole day in UTC) or a moment with its
 * offset (`2025-03-14T08:00:00+01:00`).
 */
export const SearchDate = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .describe("a day, YYYY-MM-DD (UTC), or an ISO 8601 moment with its offset");

/**
 * Where a range starts or ends as a moment: `from` is inclusive, `to` exclusive; a day given
 * as `to` includes that whole day (`to=2025-03-14` ends at midnight after it).
 */
export function searchBound(value: string, side: "from" | "to"): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = new Date(`${value}T00:00:00.000Z`);
    if (side === "to") day.setUTCDate(day.getUTCDate() + 1);
    return day;
  }
  return new Date(value);
}

export const SearchMessagesQuery = z
  .strictObject({
    /**
     * Web-search syntax: words (all must match), `"a phrase"`, `or`, `-word` to exclude; and
     * inline filters `from:username`, `in:name` (a group's name, or the person of a direct
     * conversation), `has:image|file|audio|attachment`, `after:YYYY-MM-DD`, `before:YYYY-MM-DD`.
     * Accents and case are ignored; words match whole (no stemming). Text with nothing to search
     * for and no filter gives no results (not an error).
     */
    q: z
      .string()
      .max(MAX_SEARCH_LENGTH)
      .refine((s) => !CONTROL_CHARACTERS.test(s), "must not contain control characters")
      .default("")
      .describe(
        'words, "a phrase", or, -word; from:username in:name has:image after:YYYY-MM-DD before:YYYY-MM-DD',
      ),
    /** Only this conversation (one of yours). */
    conversationId: Id.optional(),
    /** Only messages this person sent. */
    senderId: Id.optional(),
    /** Sent at or after this day or moment. */
    from: SearchDate.optional(),
    /** Sent before this moment, or on or before this day. */
    to: SearchDate.optional(),
    /** Only messages with an attachment of this kind. */
    has: SearchHas.optional(),
    /** `relevance` (the default; best match first, newer first among equals) or `recent` (newest first). */
    sort: z.enum(["relevance", "recent"]).default("relevance"),
    limit: z.coerce.number().int().min(1).max(50).default(20),
    /** `nextCursor` of the previous page, with the same query. */
    cursor: z.string().min(1).max(200).optional(),
  })
  .refine(
    (q) => !q.from || !q.to || searchBound(q.from, "from").getTime() < searchBound(q.to, "to").getTime(),
    { message: "`from` must come before `to`", path: ["to"] },
  );
export type SearchMessagesQuery = z.infer<typeof SearchMessagesQuery>;

/**
 * A message's text (or the part of a long one around the matches) with the matching words
 * marked by ranges: `start` and `end` are UTF-16 offsets into `text` (end exclusive), in order,
 * not overlapping. Plain text: show it as text, and the ranges as emphasis — never as HTML.
 */
export const SearchHighlight = z.object({
  text: z.string(),
  ranges: z.array(z.object({ start: z.number().int(), end: z.number().int() })),
});
export type SearchHighlight = z.infer<typeof SearchHighlight>;

export const SearchResult = z.object({
  message: Message,
  conversation: z.object({
    id: Id,
    kind: ConversationKind,
    /** As the conversation list shows it: the group's name, or the other person's name in a direct conversation. */
    name: z.string().nullable(),
  }),
  /** How well the message matches (higher is better); 0 when searching by filters alone. */
  rank: z.number(),
  highlight: SearchHighlight,
});
export type SearchResult = z.infer<typeof SearchResult>;

export const SearchMessagesResult = z.object({
  results: z.array(SearchResult),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type SearchMessagesResult = z.infer<typeof SearchMessagesResult>;
