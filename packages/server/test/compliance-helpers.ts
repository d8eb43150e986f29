import { HallwayClient, MemoryPositionStore } from "@hallway/client";
import type { AuditEntry, ConversationSummary, Session } from "@hallway/protocol";
import WebSocket from "ws";
import type { Api } from "./api.ts";
import { expectStatus } from "./api.ts";
import type { SignedIn } from "./fixtures.ts";

/*
 * Small helpers shared by the compliance tests (invites, audit, supervision, export, retention,
 * jobs).
 */

/** Audit entries matching a query string (as an admin), newest first, all pages. */
export async function auditEntries(admin: Api, query: Record<string, string> = {}): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ limit: "500", ...query, ...(cursor ? { cursor } : {}) });
    const page: { entries: AuditEntry[]; nextCursor: string | null } = expectStatus(
      await admin.get(`/api/v1/audit?${params}`),
      200,
    );
    entries.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}

/** The first page of entries matching a query string (as an admin), newest first. */
export async function latestAudit(admin: Api, query: Record<string, string> = {}): Promise<AuditEntry[]> {
  const params = new URLSearchParams({ limit: "20", ...query });
  return expectStatus<{ entries: AuditEntry[] }>(await admin.get(`/api/v1/audit?${params}`), 200).entries;
}

/** Creates a group as `owner` with `members`; returns its summary. */
export async function createGroup(
  owner: SignedIn,
  name: string,
  members: SignedIn[],
): Promise<ConversationSummary> {
  return expectStatus<ConversationSummary>(
    await owner.api.post("/api/v1/conversations", { name, memberIds: members.map((m) => m.id) }),
    201,
  );
}

/** Opens (or finds) the direct conversation between two people. */
export async function openDirect(a: SignedIn, b: SignedIn): Promise<ConversationSummary> {
  const res = await a.api.post<ConversationSummary>("/api/v1/conversations/direct", { userId: b.id });
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`open direct: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A connected SDK client for a signed-in session, starting from the given positions. */
export async function connectClient(
  baseUrl: string,
  session: Session,
  positions: Record<string, number> = {},
  /** Called before connecting: listeners added here see the events replayed on resume. */
  beforeConnect?: (client: HallwayClient) => void,
): Promise<HallwayClient> {
  const store = new MemoryPositionStore();
  for (const [id, seq] of Object.entries(positions)) store.set(id, seq);
  const client = new HallwayClient({
    baseUrl,
    WebSocket: WebSocket as never,
    positions: store,
    clientName: "compliance-test",
    backoff: { initialMs: 50, maxMs: 500 },
  });
  client.useSession(session);
  beforeConnect?.(client);
  await client.connect();
  return client;
}

/** Waits until `check` returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}
