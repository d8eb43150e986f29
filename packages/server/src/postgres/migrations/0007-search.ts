import { type Kysely, sql } from "kysely";

/**
 * What hallway_search_text() turns into spaces, one character for one: punctuation, symbols and
 * emoji beyond ASCII (curly quotes, dashes, no-break spaces, «», 、。, 👍, ✅…), `<` and `>`
 * (so nothing looks like an HTML tag to ts_headline) and control characters. The text search
 * parser already splits words at these under a UTF-8 locale; under the C locale of the
 * embedded PostgreSQL it counts every non-ASCII character as a letter, so "“homework”" or
 * "done👍" would be one word that a search for "homework" or "done" never finds. Letters,
 * digits, combining marks, ZWJ/ZWNJ (inside Persian and Indic words), º and ª are kept.
 */
const SEPARATORS = String.raw`[\x01-\x1f<>\u0080-\u00a9\u00ab-\u00b4\u00b6-\u00b9\u00bb-\u00bf\u00d7\u00f7\u037e\u0387\u055c-\u055f\u060c\u061b\u061f\u066a\u06d4\u0964\u0965\u2000-\u200b\u200e-\u206f\u20a0-\u20cf\u2116\u2122\u2190-\u2bff\u3000-\u3003\u3008-\u3011\u3014-\u301f\ufe0f\ufe10-\ufe1f\ufe30-\ufe6b\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\U0001f000-\U0001faff\U000e0000-\U000e007f]`;

/**
 * Message search (docs/adr/0004-search.md).
 *
 * - `hallway_search`, a text search configuration of our own: `unaccent`, then the `simple`
 *   dictionary (every word is a lexeme, no stemming, no stop words, whatever the language), so
 *   "élève", "Eleve" and "ÉLÈVE" are one word. Schools write in many languages; a stemmer of
 *   the wrong language mangles words, `simple` never does. Everything refers to this name, so
 *   a school that writes in one language may map it to a stemmer (the ADR says how).
 * - `hallway_search_text(text)`: what is indexed, searched for and highlighted — the text
 *   lower-cased (lower() knows every script whatever the locale; the text search parser's own
 *   folding does not under C) with SEPARATORS made spaces. Character for character, so a
 *   highlight found in it maps back onto the message as typed.
 * - `messages.search`, a stored generated tsvector: computed once at write, so searching and
 *   ranking never parse a message again. Adding it rewrites the table once.
 * - A GIN index over it for messages that are not deleted (the search never shows those);
 *   by sender; and, small and partial, the messages with an attachment per conversation.
 * - The kinds file, image and audio are allowed now, so `has:` works the day attachments land.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE EXTENSION IF NOT EXISTS unaccent;

    CREATE TEXT SEARCH CONFIGURATION hallway_search (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION hallway_search
      ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple;

    CREATE FUNCTION hallway_search_text(body text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      RETURN lower(regexp_replace(body, ${sql.lit(SEPARATORS)}, ' ', 'g'));

    ALTER TABLE messages
      DROP CONSTRAINT messages_kind_check,
      ADD CONSTRAINT messages_kind_check CHECK (kind IN ('text', 'system', 'file', 'image', 'audio')),
      ADD COLUMN search tsvector
        GENERATED ALWAYS AS (to_tsvector('hallway_search'::regconfig, hallway_search_text(body))) STORED;

    -- Ten times the default sample of words: without it a rare word looks a thousand times
    -- more common than it is, and the planner scans the searcher's whole conversations for it.
    ALTER TABLE messages ALTER COLUMN search SET STATISTICS 1000;
    CREATE INDEX messages_search ON messages USING gin (search) WHERE deleted_at IS NULL;
    CREATE INDEX messages_by_sender ON messages (sender_id, created_at);
    CREATE INDEX messages_with_attachment ON messages (conversation_id, created_at)
      WHERE kind IN ('file', 'image', 'audio') AND deleted_at IS NULL;
  `.execute(db);
}
