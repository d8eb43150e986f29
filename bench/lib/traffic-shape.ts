/**
 * The "school day" traffic shape shared by the raw references and the scenario:
 * N users numbered 0..N-1, class groups of consecutive indices (30 by default), and one
 * direct-message partner each. Pure functions of the indices, so every process (server,
 * clients, coordinator) agrees on who should receive what without exchanging lists.
 */

import type { Rng } from "./poisson.ts";

/** Class-group size used by the school-day scenario. */
export const DEFAULT_GROUP_SIZE = 30;

/** Group index of user `u`: users are grouped by consecutive index. */
export function groupOf(u: number, groupSize: number = DEFAULT_GROUP_SIZE): number {
  return Math.floor(u / groupSize);
}

/** First user index and member count of group `g` (the last group may be smaller). */
export function groupRange(
  g: number,
  users: number,
  groupSize: number = DEFAULT_GROUP_SIZE,
): { first: number; size: number } {
  const first = g * groupSize;
  return { first, size: Math.max(0, Math.min(groupSize, users - first)) };
}

/** Number of groups for `users` users. */
export function groupCount(users: number, groupSize: number = DEFAULT_GROUP_SIZE): number {
  return Math.ceil(users / groupSize);
}

/**
 * Direct partner of user `u`: pairs (0,1), (2,3), ... With an odd user count the last
 * user talks to user 0 (so 0 then receives from two people; it still sends to 1 only).
 */
export function partnerOf(u: number, users: number): number {
  const p = u ^ 1;
  return p < users ? p : 0;
}

/** How many deliveries one message of this kind from `u` should produce. */
export function expectedDeliveries(
  kind: "g" | "d",
  u: number,
  users: number,
  groupSize: number = DEFAULT_GROUP_SIZE,
): number {
  if (kind === "d") return 1;
  return groupRange(groupOf(u, groupSize), users, groupSize).size - 1;
}

/** True if receiver `r` should get a message of `kind` sent by `from`. */
export function isRecipient(
  kind: "g" | "d",
  from: number,
  r: number,
  users: number,
  groupSize: number = DEFAULT_GROUP_SIZE,
): boolean {
  if (kind === "d") return partnerOf(from, users) === r;
  return r !== from && groupOf(r, groupSize) === groupOf(from, groupSize);
}

const WORDS =
  "the a homework test lunch bus math history science art gym library today tomorrow room teacher class page question answer notes project group meet after before please thanks ok yes no maybe quiz chapter read write lab break friday monday".split(
    " ",
  );

/**
 * A pool of chat-like message bodies of 60–120 characters (plain ASCII words, so JSON
 * encoding cost is typical and sizes are predictable). Reusing a pool keeps body
 * generation out of the measured send path.
 */
export function makeBodies(count: number, rng: Rng): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const target = 60 + Math.floor(rng() * 61);
    let s = "";
    while (s.length < target) s += (s ? " " : "") + (WORDS[Math.floor(rng() * WORDS.length)] as string);
    out.push(s.slice(0, target));
  }
  return out;
}
