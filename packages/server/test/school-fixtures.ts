import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { HallwayClient } from "@hallway/client";
import type { ConversationSummary, DirectorySyncResult, Message, Session } from "@hallway/protocol";
import pg from "pg";
import { expect } from "vitest";
import WebSocket from "ws";
import { type Api, expectStatus } from "./api.ts";
import {
  type ConversationList,
  type MemberPage,
  type MessagePage,
  newClientId,
  queryDb,
} from "./fixtures.ts";

/*
 * What the tests of section groups, announcements, reactions and support desks share: a school
 * pushed by directory sync, conversation look-ups, and SDK clients over real WebSockets.
 */

export interface SectionIn {
  externalId: string;
  name: string;
  teacherIds?: string[];
  studentIds?: string[];
  active?: boolean;
}

/** POST /directory/sync as the admin (or the service), expecting 200. */
export async function sync(
  admin: Api,
  body: {
    users?: { externalId: string; role: string; displayName: string; active?: boolean }[];
    sections?: SectionIn[];
    guardians?: { parentId: string; studentIds: string[] }[];
  },
): Promise<DirectorySyncResult> {
  return expectStatus<DirectorySyncResult>(await admin.post("/api/v1/directory/sync", body), 200);
}

/** My conversations (archived ones too). */
export async function conversations(api: Api): Promise<ConversationSummary[]> {
  return expectStatus<ConversationList>(await api.get("/api/v1/conversations?archived=all"), 200)
    .conversations;
}

/** The one conversation of mine that matches, or undefined. */
export async function findConversation(
  api: Api,
  match: (c: ConversationSummary) => boolean,
): Promise<ConversationSummary | undefined> {
  return (await conversations(api)).find(match);
}

/** Every message of a conversation, oldest first. */
export async function history(api: Api, conversationId: string): Promise<Message[]> {
  return expectStatus<MessagePage>(
    await api.get(`/api/v1/conversations/${conversationId}/messages?after=0&limit=200`),
    200,
  ).messages;
}

/** The ids of a conversation's current members, sorted. */
export async function memberIds(api: Api, conversationId: string): Promise<string[]> {
  const page = expectStatus<MemberPage>(
    await api.get(`/api/v1/conversations/${conversationId}/members?limit=500`),
    200,
  );
  return page.members.map((m) => m.user.id).sort();
}

export function send(api: Api, conversationId: string, text: string) {
  return api.post(`/api/v1/conversations/${conversationId}/messages`, { clientId: newClientId(), text });
}

export function sorted(ids: string[]): string[] {
  return [...ids].sort();
}

/** A policy file with the given overrides, for HALLWAY_POLICY_FILE. */
export function policyFile(name: string, overrides: object): string {
  const file = path.join(os.tmpdir(), `hallway-${name}-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ version: 1, ...overrides }));
  return file;
}

/** A connected SDK client for a session, with every event it receives recorded in order. */
export async function connect(
  baseUrl: string,
  session: Session,
): Promise<{ client: HallwayClient; events: { ev: string; data: any }[] }> {
  const client = new HallwayClient({
    baseUrl,
    WebSocket: WebSocket as never,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  client.useSession(session);
  const events: { ev: string; data: any }[] = [];
  for (const ev of [
    "message.created",
    "message.edited",
    "message.deleted",
    "pin.updated",
    "reaction.updated",
    "conversation.joined",
    "conversation.left",
  ] as const)
    client.on(ev, (data: unknown) => events.push({ ev, data }));
  await client.connect();
  return { client, events };
}

/** Waits until `check` passes (the server's events travel asynchronously). */
export async function eventually(check: () => void | Promise<void>, timeout = 5_000): Promise<void> {
  await expect
    .poll(
      async () => {
        try {
          await check();
          return true;
        } catch {
          return false;
        }
      },
      { timeout, interval: 25 },
    )
    .toBe(true);
  await check();
}

/**
 * Holds a conversation's row lock from a connection of the test's, as a slow commit elsewhere
 * would: the writer's statements for that conversation wait until `release`.
 */
export async function holdConversationRow(databaseUrl: string, conversationId: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE", [conversationId]);
  return {
    /** Resolves once `count` writer statements wait on a lock. */
    waitingWriters: (count: number) =>
      eventually(async () => {
        const [row] = await queryDb(
          databaseUrl,
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'hallway-writer' AND wait_event_type = 'Lock'`,
        );
        expect(row.n).toBe(count);
      }),
    release: async () => {
      await client.query("COMMIT");
      await client.end();
    },
  };
}
