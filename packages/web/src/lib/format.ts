import type { Presence } from "@hallway/protocol";

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const shortDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const longDate = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

const DAY_MS = 86_400_000;

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** "14:05" */
export function formatTime(iso: string): string {
  return time.format(new Date(iso));
}

/** For the conversation list: the time today, the weekday this week, else the date. */
export function formatListTime(iso: string, now = Date.now()): string {
  const date = new Date(iso);
  const days = Math.round((startOfDay(new Date(now)) - startOfDay(date)) / DAY_MS);
  if (days <= 0) return time.format(date);
  if (days < 7) return weekday.format(date);
  return shortDate.format(date);
}

/** For the separators in a chat: "Today", "Yesterday", "Monday 3 March". */
export function formatDay(iso: string, now = Date.now()): string {
  const date = new Date(iso);
  const days = Math.round((startOfDay(new Date(now)) - startOfDay(date)) / DAY_MS);
  if (days === 0 || days === 1) return capitalise(relative.format(-days, "day"));
  return longDate.format(date);
}

export function dayKey(iso: string): string {
  const date = new Date(iso);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

/** "5 minutes ago", "yesterday"… */
export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (seconds > -60) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes > -60) return relative.format(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours > -24) return relative.format(hours, "hour");
  return relative.format(Math.round(hours / 24), "day");
}

/** What a person's presence says in a header: "Online", "Away", "Last seen 5 minutes ago". */
export function describePresence(presence: Presence | undefined, now = Date.now()): string {
  switch (presence?.status) {
    case "online":
      return "Online";
    case "away":
      return "Away";
    case "idle":
      return "Idle";
    case "offline":
      return presence.lastSeenAt ? `Last seen ${formatAgo(presence.lastSeenAt, now)}` : "Offline";
    default:
      return "";
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "Ana", "Ana and Ben", "Ana, Ben and Chloe". */
export function listNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
