import type { ConversationSummary, Session } from "@hallway/protocol";
import { SignJWT } from "jose";
import { groupCount, groupRange, partnerOf } from "../lib/traffic-shape.ts";

export interface School {
  sessions: Session[];
  /** The class group of each group index. */
  groupConversation: string[];
  /** The direct conversation of each user with their partner. */
  directConversation: string[];
}

async function call<T>(url: string, path: string, token: string | undefined, body: unknown): Promise<T> {
  const response = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

async function inBatches<T>(count: number, width: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await run(i);
      }
    }),
  );
  return out;
}

/**
 * Builds the school of the "school day" scenario through the public API: users synced from
 * the directory, signed in through school-system JWTs (password hashing would dominate set-up),
 * one class group per 30 users created by its first member, and one direct conversation per pair.
 */
export async function seedSchool(
  url: string,
  users: number,
  groupSize: number,
  adminPassword: string,
  jwtSecret: string,
): Promise<School> {
  const admin = await call<Session>(url, "/api/v1/auth/sign-in", undefined, {
    username: "admin",
    password: adminPassword,
  });
  await call(url, "/api/v1/directory/sync", admin.accessToken, {
    users: Array.from({ length: users }, (_, i) => ({
      externalId: `bench-${i}`,
      // Staff: the default policy keeps students out of direct messages with each other, and the
      // scenario is about traffic, not roles.
      role: "teacher",
      displayName: `Bench User ${i}`,
    })),
  });
  const key = new TextEncoder().encode(jwtSecret);
  const sessions = await inBatches(users, 16, async (i) => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(`bench-${i}`)
      .setExpirationTime("5m")
      .sign(key);
    return call<Session>(url, "/api/v1/auth/trusted", undefined, { token });
  });
  const groupConversation = await inBatches(groupCount(users, groupSize), 8, async (g) => {
    const { first, size } = groupRange(g, users, groupSize);
    const memberIds = sessions.slice(first + 1, first + size).map((s) => s.user.id);
    const group = await call<ConversationSummary>(
      url,
      "/api/v1/conversations",
      sessions[first]!.accessToken,
      { name: `Class ${g}`, memberIds },
    );
    return group.id;
  });
  const directConversation: string[] = new Array(users);
  await inBatches(users, 16, async (u) => {
    const partner = partnerOf(u, users);
    if (directConversation[u]) return;
    const direct = await call<ConversationSummary>(
      url,
      "/api/v1/conversations/direct",
      sessions[u]!.accessToken,
      {
        userId: sessions[partner]!.user.id,
      },
    );
    directConversation[u] = direct.id;
    if (partnerOf(partner, users) === u) directConversation[partner] = direct.id;
  });
  return { sessions, groupConversation, directConversation };
}
