import type { Session } from "@hallway/protocol";

const SESSION_KEY = "hallway.session";

/** The stored session, if it is one and its refresh token is still good. */
export function loadSession(): Session | null {
  try {
    const session = JSON.parse(localStorage.getItem(SESSION_KEY) ?? "null") as Session | null;
    if (typeof session?.accessToken !== "string" || typeof session.user?.id !== "string") return null;
    if (Date.parse(session.refreshTokenExpiresAt) <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(SESSION_KEY);
}

/** Calls back when another tab signs in, refreshes or signs out. */
export function onStoredSessionChange(callback: (session: Session | null) => void): () => void {
  const listener = (event: StorageEvent) => {
    if (event.key === SESSION_KEY || event.key === null) callback(loadSession());
  };
  window.addEventListener("storage", listener);
  return () => window.removeEventListener("storage", listener);
}

/** Where the SDK keeps this user's last-seen positions (one key per user on a shared computer). */
export function positionsKey(userId: string): string {
  return `hallway.positions.${userId}`;
}
