import type { Config } from "../config.ts";
import type { Db } from "../postgres/database.ts";
import type { MessageWriter } from "../postgres/message-writer.ts";
import type { EventPublisher } from "../realtime/event-publisher.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import type { ModerationState } from "./moderation/moderation-state.ts";
import type { Policy } from "./policy/policy.ts";

/** What every use case may reach: the database, the batched writer, the event fan-out. */
export interface ServiceContext {
  db: Db;
  writer: MessageWriter;
  events: EventPublisher;
  config: Config;
  /** The school's messaging policy and the facts it decides on. */
  policy: Policy;
  /** The word filter and the per-user send limit, kept in memory for the send path. */
  moderation: ModerationState;
  /** Where uploaded files' bytes live (local disk by default). */
  blobs: BlobStore;
}

/** Who is calling: a signed-in user, or the school system with the service token. */
export type Principal =
  | { kind: "user"; userId: string; role: string; sessionId: string }
  | { kind: "service" };

export type UserPrincipal = Extract<Principal, { kind: "user" }>;
