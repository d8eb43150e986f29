import {
  type ConversationFacts,
  type Decision,
  type MemberFacts,
  type Membership,
  NOT_A_MEMBER,
  type Person,
  type PolicyRules,
} from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import type { Db } from "../../postgres/database.ts";
import {
  loadManyConversationFacts,
  loadPeople,
  type StoredConversationFacts,
} from "../../postgres/policy-facts.ts";
import { type Repeating, repeatEvery } from "../../repeat-every.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { FactLoader } from "./fact-loader.ts";

/** What someone tried to do, for the audit entry of a refusal. */
export interface Attempt {
  actorId: string;
  action: string;
  targetType?: "user" | "conversation" | "message" | "invite";
  targetId?: string;
}

/** How long loaded facts are trusted. Changes made in this process drop them at once. */
const FACTS_TTL_MS = 10_000;

/**
 * How often facts in use are loaded again ahead of their expiry, all in a few queries. Without
 * it every conversation and person in use missed the cache once per FACTS_TTL_MS on the send
 * path, one query each (at a school's peak, hundreds a second), and all those loaded in the
 * same moment expired in the same moment.
 */
const REFRESH_EVERY_MS = FACTS_TTL_MS / 2;

/** Most ids in one refresh query. */
const REFRESH_CHUNK = 200;

interface Cached<T> {
  value: T;
  /** When it was loaded. */
  at: number;
  /** Asked for since it was loaded: kept fresh by the refresh. Unused facts just expire. */
  used: boolean;
}

/** Where a loader puts what it found: in the cache, fresh, not yet asked for again. */
function keepIn<T>(entries: Map<string, Cached<T>>) {
  return (id: string, value: T) => void entries.set(id, { value, at: Date.now(), used: false });
}

/**
 * The policy as services use it: the school's rules and the facts they decide on, loaded
 * from the database and kept for a few seconds so the send path asks without querying.
 * Changes made through this process drop the affected facts at once; another process sees
 * them within FACTS_TTL_MS. Facts in use are loaded again in bulk every REFRESH_EVERY_MS
 * (`startRefreshing`), so a busy conversation's sends do not wait for a query when they expire.
 * Facts not in the cache are loaded in bulk too: the misses of one turn of the event loop share
 * a query (`FactLoader`), as when a whole school sends its first messages of the morning.
 */
export class Policy {
  private readonly people = new Map<string, Cached<Person>>();
  private readonly conversations = new Map<string, Cached<StoredConversationFacts>>();
  /** Memberships of the big conversations (school-wide group, announcements), whose member lists are not loaded whole. */
  private readonly primaryMembers = new Map<string, Cached<Membership>>();
  /**
   * Last post per conversation and member, with its client id, for slow mode (per process: a
   * few seconds' slack across processes).
   */
  private readonly lastPosts = new Map<string, { at: number; clientId?: string }>();
  private postsRecorded = 0;
  /** Cache misses, loaded in bulk (see FactLoader). */
  private readonly conversationLoads: FactLoader<StoredConversationFacts>;
  private readonly personLoads: FactLoader<Person>;

  constructor(
    private readonly db: Db,
    readonly rules: PolicyRules,
  ) {
    this.conversationLoads = new FactLoader(
      (ids) => loadManyConversationFacts(db, ids),
      keepIn(this.conversations),
      REFRESH_CHUNK,
    );
    this.personLoads = new FactLoader((ids) => loadPeople(db, ids), keepIn(this.people), REFRESH_CHUNK);
  }

  /**
   * Throws the decision's error when it refuses. With an attempt, a refusal is also written to
   * the audit log: someone trying to reach a child they may not is what safeguarding staff
   * need to see.
   */
  require(decision: Decision, attempt?: Attempt): void {
    if (decision.allowed) return;
    if (attempt && decision.code === "FORBIDDEN") {
      recordAudit(
        this.db,
        { kind: "user", userId: attempt.actorId },
        {
          action: "policy.denied",
          targetType: attempt.targetType,
          targetId: attempt.targetId,
          details: { attempt: attempt.action, rule: decision.rule },
        },
      ).catch((error) => console.error("could not audit a policy refusal", error));
    }
    // A conversation the actor may not see answers exactly like one that does not exist.
    if (decision.code === "CONVERSATION_NOT_FOUND") throw notFound.conversation();
    throw new HallwayError(decision.code, decision.reason, {
      rule: decision.rule,
      ...(decision.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: decision.retryAfterSeconds }),
    });
  }

  async person(userId: string): Promise<Person> {
    const person = (await this.persons([userId])).get(userId);
    if (!person) throw notFound.user();
    return person;
  }

  /** People by id; unknown ids are left out. */
  async persons(ids: readonly string[]): Promise<Map<string, Person>> {
    const now = Date.now();
    const found = new Map<string, Person>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.people.get(id);
      if (cached && now - cached.at < FACTS_TTL_MS) {
        cached.used = true;
        found.set(id, cached.value);
      } else missing.push(id);
    }
    const loaded = await Promise.all(missing.map((id) => this.personLoads.load(id)));
    missing.forEach((id, i) => {
      const person = loaded[i];
      if (person) found.set(id, person);
    });
    return found;
  }

  /** A conversation's facts as `actorId` sees them, with the actor's membership. */
  async conversation(
    conversationId: string,
    actorId: string,
  ): Promise<{ facts: ConversationFacts; membership: Membership }> {
    const stored = await this.stored(conversationId);
    const membership =
      stored.members.get(actorId) ??
      (stored.kind === "primary" || stored.kind === "announcement"
        ? await this.primaryMembership(conversationId, actorId)
        : NOT_A_MEMBER);
    const peerId = stored.directMemberIds.find((id) => id !== actorId);
    const peer = peerId ? ((await this.persons([peerId])).get(peerId) ?? null) : null;
    const { id: _id, directMemberIds: _direct, members: _members, ...facts } = stored;
    return { facts: { ...facts, peer }, membership };
  }

  /** The current members as the group rules need them (who they are and their role). */
  async memberFacts(conversationId: string): Promise<MemberFacts[]> {
    const rows = await this.db
      .selectFrom("members")
      .innerJoin("users", "users.id", "members.user_id")
      .innerJoin("roles", "roles.name", "users.role")
      .select(["users.id", "users.role", "roles.is_staff"])
      .where("members.conversation_id", "=", conversationId)
      .where("members.left_at", "is", null)
      .execute();
    const people = await this.persons(rows.map((r) => r.id));
    return rows.map((r) => people.get(r.id) ?? { id: r.id, role: r.role, isStaff: r.is_staff });
  }

  /**
   * When the member last posted here, for slow mode. A retry of that very post (the same
   * client id) is not held back: it lands once, or answers with the first result.
   */
  lastPostedAt(conversationId: string, userId: string, clientId?: string): number | null {
    const last = this.lastPosts.get(`${conversationId}|${userId}`);
    if (!last || (clientId !== undefined && last.clientId === clientId)) return null;
    return last.at;
  }

  /**
   * Records a post for slow mode. Called when the post is let through, before it is written, so
   * sends made at the same moment cannot all pass; `undo` gives the slot back when it does not land.
   */
  posted(conversationId: string, userId: string, at: number, clientId?: string): { undo(): void } {
    const key = `${conversationId}|${userId}`;
    const before = this.lastPosts.get(key);
    // Only slow-mode conversations need it; the map stays as small as they are busy.
    if (!this.conversations.get(conversationId)?.value.slowModeSeconds) return { undo() {} };
    const entry = { at, clientId };
    this.lastPosts.set(key, entry);
    if (++this.postsRecorded % 1_000 === 0) {
      // Slow mode is at most a day: older posts no longer hold anyone back.
      for (const [k, v] of this.lastPosts) if (v.at < at - 86_400_000) this.lastPosts.delete(k);
    }
    return {
      undo: () => {
        if (this.lastPosts.get(key) !== entry) return;
        if (before) this.lastPosts.set(key, before);
        else this.lastPosts.delete(key);
      },
    };
  }

  /** Refreshes facts in use every REFRESH_EVERY_MS until stopped; errors go to `onError`. */
  startRefreshing(onError: (error: unknown) => void): Repeating {
    return repeatEvery(REFRESH_EVERY_MS, () => this.refresh(), onError);
  }

  /**
   * Loads again, in bulk, the conversations and people asked for since they were loaded, and
   * lets the others go. An entry dropped or replaced while its query ran (a change made here)
   * is left as the change left it: the query may have read the facts from before the change.
   */
  async refresh(): Promise<void> {
    await this.refreshEntries(this.conversations, (ids) => loadManyConversationFacts(this.db, ids));
    await this.refreshEntries(this.people, (ids) => loadPeople(this.db, ids));
    const now = Date.now();
    for (const [key, entry] of this.primaryMembers)
      if (now - entry.at >= FACTS_TTL_MS) this.primaryMembers.delete(key);
  }

  private async refreshEntries<T>(
    entries: Map<string, Cached<T>>,
    load: (ids: string[]) => Promise<Map<string, T>>,
  ): Promise<void> {
    const now = Date.now();
    const due = new Map<string, Cached<T>>();
    for (const [id, entry] of entries) {
      if (entry.used) due.set(id, entry);
      else if (now - entry.at >= FACTS_TTL_MS) entries.delete(id);
    }
    const ids = [...due.keys()];
    for (let from = 0; from < ids.length; from += REFRESH_CHUNK) {
      const chunk = ids.slice(from, from + REFRESH_CHUNK);
      const loaded = await load(chunk);
      for (const id of chunk) {
        if (entries.get(id) !== due.get(id)) continue;
        const value = loaded.get(id);
        if (value === undefined) entries.delete(id);
        else entries.set(id, { value, at: now, used: false });
      }
    }
  }

  /** Drop what is known about a conversation (its members, settings or moderation changed). */
  forgetConversation(conversationId: string, userIds: readonly string[] = []): void {
    this.conversations.delete(conversationId);
    this.conversationLoads.forget([conversationId]);
    for (const id of userIds) this.primaryMembers.delete(`${conversationId}|${id}`);
  }

  /** Drop what is known about people (the directory changed); no ids: everyone. */
  forgetPeople(ids?: readonly string[]): void {
    this.personLoads.forget(ids);
    if (!ids) this.people.clear();
    else for (const id of ids) this.people.delete(id);
  }

  private async stored(conversationId: string): Promise<StoredConversationFacts> {
    const cached = this.conversations.get(conversationId);
    if (cached && Date.now() - cached.at < FACTS_TTL_MS) {
      cached.used = true;
      return cached.value;
    }
    const loaded = await this.conversationLoads.load(conversationId);
    if (!loaded) throw notFound.conversation();
    return loaded;
  }

  /** The school-wide group's members are too many to load: ask for the one. */
  private async primaryMembership(conversationId: string, userId: string): Promise<Membership> {
    const cached = this.primaryMembers.get(`${conversationId}|${userId}`);
    if (cached && Date.now() - cached.at < FACTS_TTL_MS) return cached.value;
    const row = await this.db
      .selectFrom("members")
      .select(["role", "muted_until"])
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .where("left_at", "is", null)
      .executeTakeFirst();
    const membership: Membership = row
      ? { role: row.role, muted: row.muted_until !== null && row.muted_until.getTime() > Date.now() }
      : NOT_A_MEMBER;
    this.primaryMembers.set(`${conversationId}|${userId}`, {
      value: membership,
      at: Date.now(),
      used: false,
    });
    return membership;
  }
}
