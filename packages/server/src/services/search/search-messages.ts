import {
  type SearchMessagesQuery,
  type SearchMessagesResult,
  type SearchResult,
  searchBound,
} from "@hallway/protocol";
import { highlightFromHeadline, plainHighlight } from "../../domain/search-highlight.ts";
import { KINDS_OF, parseSearchQuery, SEARCHABLE_KINDS } from "../../domain/search-query.ts";
import { SendRateLimiter } from "../../domain/send-rate-limit.ts";
import { HallwayError, notFound } from "../../errors.ts";
import {
  analyseSearchText,
  conversationsNamed,
  currentConversationIds,
  findMessages,
  type MessageSearchRow,
  type SearchPosition,
  usersNamed,
} from "../../postgres/message-search.ts";
import { toMessage } from "../../postgres/rows.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

const NOTHING: SearchMessagesResult = { results: [], nextCursor: null };

/** Per server process: each user's searches in the last minute (REST and WebSocket together). */
const limiters = new WeakMap<ServiceContext, SendRateLimiter>();

function takeSearchSlot(ctx: ServiceContext, userId: string): void {
  let limiter = limiters.get(ctx);
  if (!limiter) {
    limiter = new SendRateLimiter(ctx.config.SEARCH_RATE_LIMIT, 60_000);
    limiters.set(ctx, limiter);
  }
  const wait = limiter.take(userId, Date.now());
  if (wait !== null)
    throw new HallwayError(
      "RATE_LIMITED",
      `You are searching too fast: wait ${wait} second${wait === 1 ? "" : "s"}.`,
      { retryAfterSeconds: wait },
    );
}

/**
 * Full-text search over the messages the caller may read: those of the conversations they are
 * a current member of (leaving a group takes its messages out of their results), never deleted
 * ones, never system notices. Filters come as parameters or typed into `q` (see
 * SearchMessagesQuery); both apply. Text with no words to find and no filter finds nothing
 * rather than everything. A `conversationId` that is not one of the caller's answers
 * CONVERSATION_NOT_FOUND, like everywhere else.
 */
export async function searchMessages(
  ctx: ServiceContext,
  principal: Principal,
  query: SearchMessagesQuery,
): Promise<SearchMessagesResult> {
  const me = requireUser(principal);
  takeSearchSlot(ctx, me.userId);
  const parsed = parseSearchQuery(query.q);
  const after = query.cursor ? decodeCursor(query.cursor, query.sort) : null;

  let conversationIds = await currentConversationIds(ctx.db, me.userId);
  if (query.conversationId) {
    if (!conversationIds.includes(query.conversationId)) throw notFound.conversation();
    conversationIds = [query.conversationId];
  }
  if (parsed.in.length > 0)
    conversationIds = await conversationsNamed(ctx.db, me.userId, conversationIds, parsed.in);

  let senderIds = query.senderId ? [query.senderId] : null;
  if (parsed.from.length > 0) {
    const named = await usersNamed(ctx.db, parsed.from);
    senderIds = senderIds ? senderIds.filter((id) => named.includes(id)) : named;
  }

  let kinds = SEARCHABLE_KINDS;
  if (query.has) kinds = kinds.filter((k) => KINDS_OF[query.has!].includes(k));
  if (parsed.has.length > 0) kinds = kinds.filter((k) => parsed.has.some((h) => KINDS_OF[h].includes(k)));

  const from = latest(
    query.from ? searchBound(query.from, "from") : null,
    parsed.after ? searchBound(parsed.after, "from") : null,
  );
  const to = earliest(
    query.to ? searchBound(query.to, "to") : null,
    parsed.before ? searchBound(parsed.before, "from") : null,
  );

  const text = parsed.text.trim() === "" ? null : parsed.text;
  const words = text ? await analyseSearchText(ctx.db, text) : { words: false, positive: false };
  const filtered =
    query.conversationId !== undefined ||
    parsed.in.length > 0 ||
    senderIds !== null ||
    kinds !== SEARCHABLE_KINDS ||
    from !== null ||
    to !== null;
  // "-homework" alone, "!!!", or nothing: nothing to look for.
  if (!words.positive && !filtered) return NOTHING;
  if (conversationIds.length === 0 || senderIds?.length === 0 || kinds.length === 0) return NOTHING;
  if (from && to && from >= to) return NOTHING;

  const rows = await findMessages(ctx.db, {
    conversationIds,
    text: words.words ? text : null,
    senderIds,
    kinds,
    from,
    to,
    // Ranking needs words to rank by.
    sort: words.positive ? query.sort : "recent",
    after,
    limit: query.limit + 1,
    userId: me.userId,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    results: page.map(toResult),
    nextCursor: rows.length > query.limit && last ? encodeCursor(query.sort, last) : null,
  };
}

function toResult(row: MessageSearchRow): SearchResult {
  // Reactions are not part of a search result (the conversation shows them when opened).
  const { reactions: _reactions, ...message } = toMessage(row);
  return {
    message,
    conversation: {
      id: row.conversation_id,
      kind: row.conversation_kind as SearchResult["conversation"]["kind"],
      name: row.conversation_name,
    },
    rank: Number(row.rank),
    highlight:
      row.headline === null ? plainHighlight(row.body) : highlightFromHeadline(row.headline, row.body),
  };
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

// The cursor: the sort it belongs to and where the page ended, as base64url JSON.
function encodeCursor(sort: string, row: MessageSearchRow): string {
  const position =
    sort === "relevance" ? [sort, row.rank_key, row.created_key, row.id] : [sort, row.created_key, row.id];
  return Buffer.from(JSON.stringify(position)).toString("base64url");
}

const RANK = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i;
const MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decodeCursor(cursor: string, sort: string): SearchPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    value = null;
  }
  if (Array.isArray(value) && value[0] === sort && value.every((v) => typeof v === "string")) {
    const [, ...rest] = value as string[];
    if (sort === "relevance" && rest.length === 3) {
      const [rank, createdAt, id] = rest as [string, string, string];
      if (RANK.test(rank) && MOMENT.test(createdAt) && UUID.test(id)) return { rank, createdAt, id };
    }
    if (sort === "recent" && rest.length === 2) {
      const [createdAt, id] = rest as [string, string];
      if (MOMENT.test(createdAt) && UUID.test(id)) return { createdAt, id };
    }
  }
  throw new HallwayError(
    "VALIDATION_FAILED",
    "The cursor is not one this server gave out for this search (same `q` and `sort`).",
    { issues: [{ path: "querystring.cursor", message: "not a cursor of this search" }] },
  );
}
