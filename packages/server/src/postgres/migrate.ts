import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import * as initial from "./migrations/0001-initial.ts";
import * as presence from "./migrations/0002-presence.ts";
import * as schoolSafety from "./migrations/0003-school-safety.ts";
import * as sectionsAnnouncementsReactions from "./migrations/0004-sections-announcements-reactions.ts";
import * as moderation from "./migrations/0005-moderation.ts";
import * as compliance from "./migrations/0006-compliance.ts";
import * as search from "./migrations/0007-search.ts";
import * as richMessages from "./migrations/0008-rich-messages.ts";
import * as pinsAndForwards from "./migrations/0009-pins-and-forwards.ts";
import * as attachmentBlobs from "./migrations/0010-attachment-blobs.ts";
import * as searchFileNames from "./migrations/0011-search-file-names.ts";
import * as searchWordsInline from "./migrations/0012-search-words-inline.ts";
import * as forwardedCopies from "./migrations/0013-forwarded-copies.ts";

/** Every migration, in order. Names sort by their number; a new one appends here. */
const MIGRATIONS: Record<string, Migration> = {
  "0001-initial": initial,
  "0002-presence": presence,
  "0003-school-safety": schoolSafety,
  "0004-sections-announcements-reactions": sectionsAnnouncementsReactions,
  "0005-moderation": moderation,
  "0006-compliance": compliance,
  "0007-search": search,
  "0008-rich-messages": richMessages,
  "0009-pins-and-forwards": pinsAndForwards,
  "0010-attachment-blobs": attachmentBlobs,
  "0011-search-file-names": searchFileNames,
  "0012-search-words-inline": searchWordsInline,
  "0013-forwarded-copies": forwardedCopies,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Brings the schema up to date. Kysely's migrator takes a PostgreSQL advisory lock, so several
 * processes starting at once migrate exactly once, and a second run is a no-op.
 */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema.
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: "hallway_migrations",
    migrationLockTableName: "hallway_migrations_lock",
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
