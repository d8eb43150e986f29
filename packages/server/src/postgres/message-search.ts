import { type RawBuilder, sql } from "kysely";
import { HIGHLIGHT_START, HIGHLIGHT_STOP } from "../domain/search-highlight.ts";
import type { Db } from "./database.ts";
import { type MessageColumns, messageColumnsOf } from "./rows.ts";

/** The text search configuration of migration 0007: unaccent, then simple. */
const CONFIG = sql`'hallway_search'::regconfig`;

/** ts_headline's options: the whole text, matches between the marks of domain/search-highlight.ts. */
const HEADLINE_OPTIONS = `HighlightAll=true, StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_STOP}`;

/** Web-search text as a tsquery, through the same hallway_search_text() as the messages. */
function toQuery(text: string) {
  return sql`websearch_to_tsquery(${CONFIG}, hallway_search_text(${text}))`;
}

/**
 * The most matches ranked for one query: the newest ones. A word in every tenth message of
 * years of history would otherwise rank tens of thousands of rows for a page of twenty; the
 * best of the newest two thousand is what a person looking for a message wants.
 */
export const MAX_RANKED_CANDIDATES = 2_000;

/** Where the previous page ended, in the order of the search. */
export interface SearchPosition {
  /** ts_rank_cd's value as PostgreSQL printed it (relevance order only). */
  rank?: string;
  /** created_at in UTC with microseconds, as PostgreSQL printed it. */
  createdAt: string;
  id: string;
}

export interface MessageSearch {
  /** The conversations to look in (the caller's, narrowed by filters); never empty. */
  conversationIds: string[];
  /** Web-search text, or null to search by filters alone. */
  text: string | null;
  senderIds: string[] | null;
  /** Message kinds to include; never empty. */
  kinds: readonly string[];
  from: Date | null;
  to: Date | null;
  sort: "relevance" | "recent";
  after: SearchPosition | null;
  /** Rows to return (a page and one more, to know whether there is a next page). */
  limit: number;
  /** The searcher: a direct conversation's name is the other person's. */
  userId: string;
}

export interface MessageSearchRow extends MessageColumns {
  rank: number;
  rank_key: string;
  created_key: string;
  conversation_kind: string;
  conversation_name: string | null;
  /** ts_headline over hallway_search_text(body), marked as domain/search-highlight.ts says; null without text. */
  headline: string | null;
}

/** What web-search text amounts to: whether it has words at all, and whether any is not excluded. */
export async function analyseSearchText(
  db: Db,
  text: string,
): Promise<{ words: boolean; positive: boolean }> {
  const { rows } = await sql<{ nodes: number; tree: string }>`
    SELECT numnode(q) AS nodes, querytree(q) AS tree FROM ${toQuery(text)} AS q
  `.execute(db);
  const row = rows[0]!;
  return { words: row.nodes > 0, positive: row.nodes > 0 && row.tree !== "T" };
}

/**
 * Messages matching a search, best first (or newest first), one page after `after`.
 *
 * The plan this is written for: the caller's conversations arrive as an array, so
 * `conversation_id = ANY(...)` is planned with their real number; the GIN index on `search`
 * (only live messages) and the (conversation_id, seq) index meet in a bitmap AND, or the
 * planner takes whichever alone is more selective (a rare word; a small scope). Matches are
 * cut to the newest MAX_RANKED_CANDIDATES before ts_rank_cd ranks them, and ts_headline runs
 * for the page only.
 */
export async function findMessages(db: Db, search: MessageSearch): Promise<MessageSearchRow[]> {
  const query = search.text === null ? null : toQuery(search.text);
  const where: RawBuilder<unknown>[] = [
    sql`m.conversation_id = ANY(${search.conversationIds}::uuid[])`,
    sql`m.deleted_at IS NULL`,
    sql`m.kind = ANY(${[...search.kinds]}::text[])`,
  ];
  // Spelled out, so the planner sees that the partial index of attachments applies.
  if (search.kinds.every((k) => k === "file" || k === "image" || k === "audio"))
    where.push(sql`m.kind IN ('file', 'image', 'audio')`);
  if (query) where.push(sql`m.search @@ ${query}`);
  if (search.senderIds) where.push(sql`m.sender_id = ANY(${search.senderIds}::uuid[])`);
  if (search.from) where.push(sql`m.created_at >= ${search.from}`);
  if (search.to) where.push(sql`m.created_at < ${search.to}`);

  const afterMoment = (p: SearchPosition) => sql`(${p.createdAt}::timestamp AT TIME ZONE 'UTC')`;
  // Matches carry only what ordering needs; the page's rows are read in full afterwards.
  let hits: RawBuilder<unknown>;
  if (search.sort === "relevance" && query) {
    const after = search.after;
    hits = sql`
      SELECT candidates.id, candidates.created_at, ts_rank_cd(candidates.search, ${query}, 1) AS rank
      FROM (
        SELECT m.id, m.created_at, m.search FROM messages m
        WHERE ${sql.join(where, sql` AND `)}
        ORDER BY m.created_at DESC
        LIMIT ${MAX_RANKED_CANDIDATES}
      ) candidates
      ${
        after
          ? sql`WHERE (ts_rank_cd(candidates.search, ${query}, 1), candidates.created_at, candidates.id)
                < (${after.rank ?? "0"}::real, ${afterMoment(after)}, ${after.id}::uuid)`
          : sql``
      }
      ORDER BY rank DESC, candidates.created_at DESC, candidates.id DESC
      LIMIT ${search.limit}`;
  } else {
    if (search.after)
      where.push(sql`(m.created_at, m.id) < (${afterMoment(search.after)}, ${search.after.id}::uuid)`);
    hits = sql`
      SELECT m.id, m.created_at, 0::real AS rank FROM messages m
      WHERE ${sql.join(where, sql` AND `)}
      ORDER BY m.created_at DESC, m.id DESC
      LIMIT ${search.limit}`;
  }

  const headline = query
    ? sql`ts_headline(${CONFIG}, hallway_search_text(m.body), ${query}, ${HEADLINE_OPTIONS})`
    : sql`NULL::text`;
  const { rows } = await sql<MessageSearchRow>`
    SELECT ${sql.raw(messageColumnsOf("m"))}, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS created_key,
      h.rank, h.rank::text AS rank_key, ${headline} AS headline,
      c.kind AS conversation_kind, coalesce(c.name, peer.display_name) AS conversation_name
    FROM (${hits}) h
    JOIN messages m ON m.id = h.id
    JOIN conversations c ON c.id = m.conversation_id
    LEFT JOIN LATERAL (
      SELECT u.display_name FROM members pm JOIN users u ON u.id = pm.user_id
      WHERE c.kind = 'direct' AND pm.conversation_id = c.id AND pm.user_id <> ${search.userId}
      LIMIT 1
    ) peer ON true
    ORDER BY h.rank DESC, h.created_at DESC, h.id DESC
  `.execute(db);
  return rows;
}

/** The ids of the caller's conversations (current memberships). */
export async function currentConversationIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("members")
    .select("conversation_id")
    .where("user_id", "=", userId)
    .where("left_at", "is", null)
    .execute();
  return rows.map((r) => r.conversation_id);
}

/**
 * Of these conversations, those a name points at (`in:`): the group's name contains it, or
 * in a direct conversation the other person's name or username does; case and accents aside.
 */
export async function conversationsNamed(
  db: Db,
  userId: string,
  conversationIds: string[],
  names: string[],
): Promise<string[]> {
  const patterns = names.map((n) => `%${n.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const { rows } = await sql<{ id: string }>`
    SELECT c.id FROM conversations c
    WHERE c.id = ANY(${conversationIds}::uuid[])
      AND (
        unaccent(lower(coalesce(c.name, ''))) LIKE ANY (SELECT unaccent(p) FROM unnest(${patterns}::text[]) p)
        OR (c.kind = 'direct' AND EXISTS (
          SELECT 1 FROM members pm JOIN users u ON u.id = pm.user_id
          WHERE pm.conversation_id = c.id AND pm.user_id <> ${userId}
            AND (unaccent(lower(u.display_name)) LIKE ANY (SELECT unaccent(p) FROM unnest(${patterns}::text[]) p)
                 OR lower(u.username) = ANY(${names.map((n) => n.replace(/^@/, "").toLowerCase())}::text[]))
        ))
      )
  `.execute(db);
  return rows.map((r) => r.id);
}

/** The ids of the users with these usernames (`from:`), case aside. */
export async function usersNamed(db: Db, usernames: string[]): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM users WHERE lower(username) = ANY(${usernames}::text[])
  `.execute(db);
  return rows.map((r) => r.id);
}
