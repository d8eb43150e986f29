import type { Presence, PresenceStatus } from "@hallway/protocol";
import { sql } from "kysely";
import { type CustomStatusValue, derivePresenceStatus, liveCustomStatus } from "../domain/presence.ts";
import type { Db } from "../postgres/database.ts";
import type { Connection } from "./connection.ts";
import { encodeEvent } from "./frames.ts";

export interface PresenceOptions {
  /** How long after the last device leaves the user still shows as before (no flapping on reconnect). */
  graceMs: number;
  /** No activity for this long makes an open device idle. */
  idleAfterMs: number;
  /** Changes are collected this long and fanned out together. */
  coalesceMs: number;
}

interface UserState {
  devices: Set<Connection>;
  custom: CustomStatusValue | null;
  invisible: boolean;
  lastSeenAt: Date | null;
  lingering: boolean;
  lingerTimer?: NodeJS.Timeout;
  status: PresenceStatus;
  /** The JSON last announced to others, to send only real changes. */
  announced: string;
  announcedSelf: string;
}

/** Only people who share one of these with the user may see their presence. */
const PRESENCE_SHARING_KINDS = ["direct", "group", "section", "support"];

/**
 * Presence, kept in memory and never written per change: only last-seen is stored, when a
 * user goes offline. Changes are coalesced and fanned out in batches to the connections that
 * follow the user (presence.subscribe), each change encoded once.
 */
export class PresenceTracker {
  private readonly users = new Map<string, UserState>();
  private readonly followers = new Map<string, Set<Connection>>();
  private readonly following = new Map<Connection, Set<string>>();
  private readonly dirty = new Set<string>();
  private flushTimer?: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly options: PresenceOptions,
    private readonly onError: (error: unknown) => void,
  ) {
    // Idle is a matter of time passing, not of an event: look for it now and then.
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(15_000, options.idleAfterMs / 2));
    this.sweepTimer.unref();
  }

  /** A device connected: load the user's stored status the first time, then announce. */
  async connected(connection: Connection): Promise<void> {
    const state = await this.load(connection.userId);
    // Closed while the state loaded: its disconnect found no device to remove, so add none.
    if (connection.closed) return;
    if (state.lingerTimer) clearTimeout(state.lingerTimer);
    state.lingering = false;
    state.devices.add(connection);
    this.markDirty(connection.userId);
  }

  disconnected(connection: Connection): void {
    this.unsubscribeAll(connection);
    const state = this.users.get(connection.userId);
    if (!state?.devices.delete(connection)) return;
    if (state.devices.size === 0) {
      state.lingering = true;
      state.lingerTimer = setTimeout(() => {
        state.lingering = false;
        state.lastSeenAt = new Date();
        this.markDirty(connection.userId);
        this.db
          .updateTable("users")
          .set({ last_seen_at: state.lastSeenAt })
          .where("id", "=", connection.userId)
          .execute()
          .catch(this.onError);
      }, this.options.graceMs);
      state.lingerTimer.unref();
    }
    this.markDirty(connection.userId);
  }

  /** Any command from a device counts as activity. */
  touched(connection: Connection): void {
    const wasIdle = Date.now() - connection.lastActivityAt >= this.options.idleAfterMs;
    connection.lastActivityAt = Date.now();
    if (wasIdle) this.markDirty(connection.userId);
  }

  setActivity(connection: Connection, activity: "active" | "away"): void {
    connection.activity = activity;
    connection.lastActivityAt = Date.now();
    this.markDirty(connection.userId);
  }

  /** Custom status and invisible mode, stored with the user so they survive reconnects. */
  async setStatus(
    userId: string,
    change: { text?: string | null; emoji?: string | null; expiresAt?: string | null; invisible?: boolean },
  ): Promise<void> {
    const state = await this.load(userId);
    // A copy: memory changes only once the database has taken the change.
    const custom: CustomStatusValue = { ...(state.custom ?? { text: null, emoji: null, expiresAt: null }) };
    if (change.text !== undefined) custom.text = change.text?.trim() || null;
    if (change.emoji !== undefined) custom.emoji = change.emoji || null;
    if (change.expiresAt !== undefined)
      custom.expiresAt = change.expiresAt ? new Date(change.expiresAt) : null;
    const invisible = change.invisible ?? state.invisible;
    await this.db
      .updateTable("users")
      .set({
        status_text: custom.text,
        status_emoji: custom.emoji,
        status_expires_at: custom.expiresAt,
        invisible,
      })
      .where("id", "=", userId)
      .execute();
    state.custom = custom;
    state.invisible = invisible;
    this.markDirty(userId);
  }

  /** What the user sees of themself. */
  async self(userId: string) {
    const state = await this.load(userId);
    return { ...this.view(userId, state, true), invisible: state.invisible };
  }

  /**
   * Replaces the set of users a connection follows; answers the current presence of those the
   * user may see (people sharing a direct, group, section or support conversation).
   */
  async subscribe(connection: Connection, userIds: string[]): Promise<Presence[]> {
    const wanted = [...new Set(userIds)].filter((id) => id !== connection.userId);
    const visible = wanted.length === 0 ? [] : await this.visibleTo(connection.userId, wanted);
    this.unsubscribeAll(connection);
    if (connection.closed) return [];
    const set = new Set(visible);
    this.following.set(connection, set);
    for (const userId of set) {
      let followers = this.followers.get(userId);
      if (!followers) {
        followers = new Set();
        this.followers.set(userId, followers);
      }
      followers.add(connection);
    }
    const presences: Presence[] = [];
    for (const userId of set) presences.push(this.view(userId, await this.load(userId), false));
    return presences;
  }

  /** Stops timers; the process is going away. */
  close(): void {
    clearInterval(this.sweepTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const state of this.users.values()) if (state.lingerTimer) clearTimeout(state.lingerTimer);
  }

  private unsubscribeAll(connection: Connection): void {
    for (const userId of this.following.get(connection) ?? []) {
      const followers = this.followers.get(userId);
      followers?.delete(connection);
      if (followers?.size === 0) this.followers.delete(userId);
    }
    this.following.delete(connection);
  }

  private async visibleTo(viewerId: string, userIds: string[]): Promise<string[]> {
    const { rows } = await sql<{ user_id: string }>`
      SELECT DISTINCT them.user_id FROM members me
      JOIN conversations c ON c.id = me.conversation_id AND c.kind = ANY(${PRESENCE_SHARING_KINDS}::text[])
      JOIN members them ON them.conversation_id = me.conversation_id AND them.left_at IS NULL
      WHERE me.user_id = ${viewerId} AND me.left_at IS NULL AND them.user_id = ANY(${userIds}::uuid[])`.execute(
      this.db,
    );
    return rows.map((r) => r.user_id);
  }

  private loading = new Map<string, Promise<UserState>>();

  private load(userId: string): Promise<UserState> {
    const known = this.users.get(userId);
    if (known) return Promise.resolve(known);
    let pending = this.loading.get(userId);
    if (!pending) {
      pending = (async () => {
        const row = await this.db
          .selectFrom("users")
          .select(["status_text", "status_emoji", "status_expires_at", "invisible", "last_seen_at"])
          .where("id", "=", userId)
          .executeTakeFirst();
        const state: UserState = {
          devices: new Set(),
          custom: row
            ? { text: row.status_text, emoji: row.status_emoji, expiresAt: row.status_expires_at }
            : null,
          invisible: row?.invisible ?? false,
          lastSeenAt: row?.last_seen_at ?? null,
          lingering: false,
          status: "offline",
          announced: "",
          announcedSelf: "",
        };
        this.users.set(userId, state);
        this.loading.delete(userId);
        return state;
      })();
      this.loading.set(userId, pending);
    }
    return pending;
  }

  private view(userId: string, state: UserState, asSelf: boolean): Presence {
    const now = Date.now();
    const hidden = state.invisible && !asSelf;
    const status = hidden ? "offline" : this.statusOf(state, now);
    const custom = liveCustomStatus(state.custom, now);
    return {
      userId,
      status,
      lastSeenAt: status === "offline" || hidden ? (state.lastSeenAt?.toISOString() ?? null) : null,
      custom: custom && {
        text: custom.text,
        emoji: custom.emoji,
        expiresAt: custom.expiresAt?.toISOString() ?? null,
      },
      devices: hidden
        ? []
        : [...state.devices].map((c) => ({
            client: c.client,
            platform: c.platform,
            connectedAt: c.connectedAt.toISOString(),
          })),
    };
  }

  private statusOf(state: UserState, now: number): PresenceStatus {
    state.status = derivePresenceStatus({
      devices: [...state.devices],
      lingering: state.lingering,
      previous: state.status,
      now,
      idleAfterMs: this.options.idleAfterMs,
    });
    return state.status;
  }

  private markDirty(userId: string): void {
    this.dirty.add(userId);
    this.flushTimer ??= setTimeout(() => this.flush(), this.options.coalesceMs);
  }

  /** One pass over every user that changed since the last one: encode once, write to followers. */
  private flush(): void {
    this.flushTimer = undefined;
    const users = [...this.dirty];
    this.dirty.clear();
    for (const userId of users) {
      const state = this.users.get(userId);
      if (!state) continue;
      const shown = JSON.stringify(this.view(userId, state, false));
      if (shown !== state.announced) {
        state.announced = shown;
        const frame = Buffer.from(`{"ev":"presence.changed","data":${shown}}`);
        for (const follower of this.followers.get(userId) ?? []) follower.sendRaw(frame);
      }
      const self = JSON.stringify({ ...this.view(userId, state, true), invisible: state.invisible });
      if (self !== state.announcedSelf) {
        state.announcedSelf = self;
        const frame = encodeEvent("self.changed", JSON.parse(self));
        for (const device of state.devices) device.sendRaw(frame);
      }
      if (state.devices.size === 0 && !state.lingering && !this.followers.has(userId))
        this.users.delete(userId);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [userId, state] of this.users) {
      if (state.devices.size === 0) continue;
      const before = state.status;
      if (this.statusOf(state, now) !== before) this.markDirty(userId);
      else if (state.custom?.expiresAt && state.custom.expiresAt.getTime() <= now) this.markDirty(userId);
    }
  }
}
