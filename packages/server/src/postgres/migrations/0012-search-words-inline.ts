import { type Kysely, sql } from "kysely";

/**
 * `hallway_attachment_words` without a subquery, so PostgreSQL inlines it into the search
 * column's expression.
 *
 * The 0011 version aggregated over `jsonb_array_elements` in a subquery. A SQL function like
 * that cannot be inlined, so every INSERT statement planned it again before computing the
 * column: about 150 µs of PostgreSQL's CPU per batch of sends, more than the rest of the search
 * vector (ADR 0007). This one is a single expression, not STRICT (a CASE inside a STRICT
 * function blocks inlining; NULL still gives NULL), and skips the common case of no attachments.
 *
 * It gives the same words for every name an upload can carry (names hold no control
 * characters): the JSON text of the names with quotes, brackets, commas, backslashes and the
 * old `.`, `_`, `-` made spaces. Only spacing differs, which the text search parser ignores, so
 * stored search vectors stay valid and the table is not rewritten.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION hallway_attachment_words(attachments jsonb) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN CASE
        WHEN attachments = '[]'::jsonb THEN ''
        ELSE translate(jsonb_path_query_array(attachments, '$[*].name')::text, '._-"[],\\', '        ')
      END;
  `.execute(db);
}
