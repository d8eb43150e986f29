import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "./schema.ts";

// bigint columns (sequence numbers) arrive as strings by default; they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  pool: pg.Pool;
  /** The batched writer's own connections (WRITER_CONNECTIONS, see MessageWriter); opened on first use. */
  writerPool: pg.Pool;
  close(): Promise<void>;
}

/**
 * The writer's connection settings. Its statement is prepared once per connection and then
 * runs on a generic plan, made once and kept. Every lookup in it is by key; a plan made while
 * the tables were small (a new school) must not scan them whole once they are large.
 */
export const WRITER_SESSION_OPTIONS = "-c enable_seqscan=off";

/** Opens a pool to the given PostgreSQL and wraps it in Kysely, and the writer's pool beside it. */
export function openDatabase(url: string, poolSize = 10, writerConnections = 2): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: "hallway" });
  // An idle client that loses its server (restart, failover) must not crash the process.
  pool.on("error", () => {});
  const writerPool = new pg.Pool({
    connectionString: url,
    max: writerConnections,
    application_name: "hallway-writer",
    // A connection is replaced now and then, so its plan is made again on today's statistics.
    options: WRITER_SESSION_OPTIONS,
    maxUses: 100_000,
  });
  writerPool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    writerPool,
    close: async () => void (await Promise.all([db.destroy(), writerPool.end()])),
  };
}
