import { type Kysely, sql } from "kysely";

/**
 * Search finds files by name: a message's search vector covers its text and the names of its
 * attachments, so "worksheet" finds the message that carries `Worksheet_3.pdf`.
 *
 * - `hallway_attachment_words(attachments)`: the attachments' names with `.`, `_` and `-` made
 *   spaces, so a name's parts are words ("Worksheet_3.pdf" → "Worksheet 3 pdf"); the text
 *   search parser would otherwise read it as one file-name token.
 * - `messages.search` is generated again from both (its index with it). This rewrites the
 *   table once, as 0007 did; a school with years of history should run it at a quiet hour.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION hallway_attachment_words(attachments jsonb) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      RETURN coalesce(
        (SELECT string_agg(translate(item->>'name', '._-', '   '), ' ') FROM jsonb_array_elements(attachments) item),
        '');

    ALTER TABLE messages DROP COLUMN search;
    ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
      to_tsvector('hallway_search'::regconfig,
        hallway_search_text(body || ' ' || hallway_attachment_words(attachments)))) STORED;
    ALTER TABLE messages ALTER COLUMN search SET STATISTICS 1000;
    CREATE INDEX messages_search ON messages USING gin (search) WHERE deleted_at IS NULL;
  `.execute(db);
}
