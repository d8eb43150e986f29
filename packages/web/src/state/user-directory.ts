import type { UserProfile } from "@hallway/protocol";
import type { Api } from "../session/api.ts";

/**
 * The people the app has met (conversation peers, members, search results), so a message can
 * show its sender's name. Someone not met yet is looked up once, in the background.
 */
export class UserDirectory {
  private readonly users = new Map<string, UserProfile>();
  private readonly requested = new Set<string>();
  private readonly listeners = new Set<() => void>();
  /** Changes whenever someone is added: a cheap snapshot for useSyncExternalStore. */
  version = 0;

  constructor(private readonly api: Api) {}

  add(users: Iterable<UserProfile | null | undefined>): void {
    let changed = false;
    for (const user of users) {
      if (!user) continue;
      const known = this.users.get(user.id);
      if (known && known.displayName === user.displayName && known.avatarUrl === user.avatarUrl) continue;
      this.users.set(user.id, user);
      changed = true;
    }
    if (changed) this.notify();
  }

  peek(userId: string): UserProfile | undefined {
    return this.users.get(userId);
  }

  /** Fetches the people not known yet (once each). */
  request(userIds: Iterable<string>): void {
    for (const userId of userIds) {
      if (this.users.has(userId) || this.requested.has(userId)) continue;
      this.requested.add(userId);
      this.api.user(userId).then(
        (user) => this.add([user]),
        () => {},
      );
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private notify(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
