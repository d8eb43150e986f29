import type { SearchMessagesResult } from "@hallway/protocol";
import type pg from "pg";
import { RARE_WORDS, SUBJECTS, THINGS } from "./vocabulary.ts";

/** A person the benchmark searches as: their token and what their conversations hold. */
export interface Searcher {
  token: string;
  userId: string;
  conversations: number;
  /** Messages in their conversations (what a search of theirs looks through). */
  readable: number;
  /** Usernames of people who share a conversation with them. */
  coMembers: string[];
  /** Ids and names of their group conversations. */
  groups: Array<{ id: string; name: string }>;
}

/** One query of a shape: the query string to send, and how many pages deep it is timed. */
export interface ShapedQuery {
  params: Record<string, string>;
  /** Time the second page (the first is fetched untimed, for its cursor). */
  secondPage?: boolean;
}

const COMMON = ["homework", "tomorrow", "please", "class", "test", "the", "thanks", "friday"];

function pick<T>(list: readonly T[], random: () => number): T {
  return list[Math.floor(random() * list.length)]!;
}

/** The shapes of query measured, each a function of a searcher and a random source. */
export const SHAPES: Record<string, (s: Searcher, random: () => number) => ShapedQuery> = {
  "common word": (_s, r) => ({ params: { q: pick(COMMON, r) } }),
  "two words": (_s, r) => ({ params: { q: `${pick(SUBJECTS, r)} ${pick(THINGS, r)}` } }),
  phrase: (_s, r) => ({ params: { q: `"${pick(SUBJECTS, r)} ${pick(THINGS, r)}"` } }),
  "rare word": (_s, r) => ({ params: { q: pick(RARE_WORDS, r) } }),
  "or / -exclusion": (_s, r) => ({
    params: {
      q: r() < 0.5 ? `${pick(THINGS, r)} -${pick(SUBJECTS, r)}` : `${pick(THINGS, r)} or ${pick(THINGS, r)}`,
    },
  }),
  "word + filter": (s, r): ShapedQuery => {
    const word = pick(COMMON, r);
    const which = Math.floor(r() * 4);
    if (which === 0) return { params: { q: `${word} has:image` } };
    if (which === 1) return { params: { q: `${word} from:${pick(s.coMembers, r)}` } };
    if (which === 2) return { params: { q: word, from: daysAgo(30 + Math.floor(r() * 300)) } };
    return { params: { q: word, conversationId: pick(s.groups, r).id } };
  },
  "filters only": (s, r): ShapedQuery => {
    const which = Math.floor(r() * 3);
    if (which === 0) return { params: { q: "has:image" } };
    if (which === 1) return { params: { q: `from:${pick(s.coMembers, r)}` } };
    return { params: { q: "", conversationId: pick(s.groups, r).id, from: daysAgo(60) } };
  },
  "second page": (_s, r) => ({ params: { q: pick(COMMON, r) }, secondPage: true }),
  "newest first": (_s, r) => ({ params: { q: pick(COMMON, r), sort: "recent" } }),
};

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

/** The searchers' conversations, co-members and readable messages, for choosing their queries. */
export async function describeSearcher(client: pg.Client, userId: string, token: string): Promise<Searcher> {
  const { rows: conversations } = await client.query<{
    id: string;
    kind: string;
    name: string | null;
    n: number;
  }>(
    `SELECT c.id, c.kind, c.name, c.last_seq::int AS n FROM members m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.user_id = $1 AND m.left_at IS NULL`,
    [userId],
  );
  const { rows: coMembers } = await client.query<{ username: string }>(
    `SELECT DISTINCT u.username FROM members a
     JOIN members b ON b.conversation_id = a.conversation_id AND b.user_id <> a.user_id
     JOIN conversations c ON c.id = a.conversation_id AND c.kind <> 'primary'
     JOIN users u ON u.id = b.user_id
     WHERE a.user_id = $1 LIMIT 200`,
    [userId],
  );
  return {
    token,
    userId,
    conversations: conversations.length,
    readable: conversations.reduce((sum, c) => sum + c.n, 0),
    coMembers: coMembers.map((c) => c.username),
    groups: conversations.filter((c) => c.kind === "group").map((c) => ({ id: c.id, name: c.name ?? "" })),
  };
}

/** CPU time used so far (ms) by what serves a search: this process and the database's backends. */
export interface CpuClock {
  /** null where the database's processes cannot be seen (another machine). */
  database(): number | null;
}

/**
 * The CPU clock of the PostgreSQL backends serving the benchmark's database, from
 * /proc/<pid>/schedstat (nanoseconds on a CPU): on a machine others are loading too, CPU time
 * says what a query costs where wall time says how long it waited. Null off Linux, or when
 * PostgreSQL runs elsewhere.
 */
export async function databaseCpuClock(client: pg.Client): Promise<CpuClock> {
  const { rows } = await client.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
  );
  const { readFileSync } = await import("node:fs");
  const read = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
  try {
    for (const { pid } of rows) read(pid);
  } catch {
    return { database: () => null };
  }
  return {
    database: () => {
      let total = 0;
      for (const { pid } of rows) {
        try {
          total += read(pid);
        } catch {}
      }
      return total;
    },
  };
}

export interface Timing {
  /** Wall time of the HTTP round trip (ms). */
  ms: number;
  /** CPU time of this process (the server and the client) during it (ms). */
  nodeCpuMs: number;
  /** CPU time of the database's backends during it (ms); null when not measurable. */
  databaseCpuMs: number | null;
  results: number;
}

/** Runs one search over HTTP; answers its latency, the CPU it cost and how many results it gave. */
export async function timeSearch(
  baseUrl: string,
  searcher: Searcher,
  query: ShapedQuery,
  clock: CpuClock = { database: () => null },
): Promise<Timing> {
  const get = async (params: Record<string, string>) => {
    const cpu = process.cpuUsage();
    const database = clock.database();
    const started = performance.now();
    const response = await fetch(`${baseUrl}/api/v1/search/messages?${new URLSearchParams(params)}`, {
      headers: { authorization: `Bearer ${searcher.token}` },
    });
    const body = (await response.json()) as SearchMessagesResult;
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const databaseAfter = clock.database();
    if (!response.ok) throw new Error(`search ${JSON.stringify(params)} failed: ${JSON.stringify(body)}`);
    return {
      ms,
      nodeCpuMs: (used.user + used.system) / 1000,
      databaseCpuMs: database === null || databaseAfter === null ? null : databaseAfter - database,
      results: body.results.length,
      cursor: body.nextCursor,
    };
  };
  const first = await get(query.params);
  if (!query.secondPage || !first.cursor) return first;
  return get({ ...query.params, cursor: first.cursor });
}
