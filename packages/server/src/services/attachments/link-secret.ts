import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../../postgres/database.ts";

/** The school_settings key of the secret that signs download links: `{"secret": base64}`. */
const LINK_SECRET_KEY = "file_link_secret";

const loaded = new WeakMap<Db, Promise<Buffer>>();

/**
 * The secret every server process signs and checks download links with: made once, by
 * whichever process first needs it, and kept in the database so all processes share it
 * (and links survive a restart). Read once per process. Never sent to anyone.
 */
export function linkSecret(db: Db): Promise<Buffer> {
  let secret = loaded.get(db);
  if (!secret) {
    secret = readOrCreate(db);
    // A failed read (the database was away) is tried again next time.
    secret.catch(() => loaded.delete(db));
    loaded.set(db, secret);
  }
  return secret;
}

async function readOrCreate(db: Db): Promise<Buffer> {
  const candidate = randomBytes(32).toString("base64");
  // Two processes racing: the first insert wins and both read the winner.
  await sql`
    INSERT INTO school_settings (key, value) VALUES (${LINK_SECRET_KEY}, ${JSON.stringify({ secret: candidate })}::jsonb)
    ON CONFLICT (key) DO NOTHING`.execute(db);
  const row = await db
    .selectFrom("school_settings")
    .select("value")
    .where("key", "=", LINK_SECRET_KEY)
    .executeTakeFirstOrThrow();
  const secret = (row.value as { secret?: unknown }).secret;
  if (typeof secret !== "string" || secret.length < 40)
    throw new Error(`school_settings.${LINK_SECRET_KEY} does not hold a secret`);
  return Buffer.from(secret, "base64");
}
