import { createHash } from "node:crypto";
import type { DirectoryUser } from "@hallway/protocol";
import { sql } from "kysely";
import { HallwayError } from "../errors.ts";
import type { Db } from "./database.ts";

export interface UpsertedUsers {
  created: number;
  updated: number;
  unchanged: number;
  /** Users who were active and are not any more. */
  deactivatedIds: string[];
  /** Users who existed and whose role changed (for the audit log). */
  roleChanges: { id: string; from: string; to: string }[];
  /** Every user named, by external id. */
  idByExternalId: Map<string, string>;
}

/** A username for a synced user who has none: the external id made safe, unique by a hash suffix. */
function derivedUsername(externalId: string, suffixed: boolean): string {
  const base =
    externalId
      .replace(/[^a-zA-Z0-9._-]/g, "-")
      .replace(/^[^a-zA-Z0-9]+/, "")
      .slice(0, 48) || "user";
  if (!suffixed) return base.length >= 2 ? base : `u-${base}`;
  return `${base}-${createHash("sha256").update(externalId).digest("hex").slice(0, 8)}`;
}

/**
 * Creates or updates users keyed by the school system's ids, in bulk: one statement for all of
 * them, so ten thousand users take a second or two, not minutes. Roles must exist.
 */
export async function upsertDirectoryUsers(trx: Db, users: DirectoryUser[]): Promise<UpsertedUsers> {
  const result: UpsertedUsers = {
    created: 0,
    updated: 0,
    unchanged: 0,
    deactivatedIds: [],
    roleChanges: [],
    idByExternalId: new Map(),
  };
  if (users.length === 0) return result;

  const byExternal = new Map<string, DirectoryUser>();
  for (const u of users) byExternal.set(u.externalId, u); // the last mention of an id wins
  const list = [...byExternal.values()];

  const roles = new Set((await trx.selectFrom("roles").select("name").execute()).map((r) => r.name));
  const unknownRoles = [...new Set(list.map((u) => u.role).filter((r) => !roles.has(r)))];
  if (unknownRoles.length > 0) {
    throw new HallwayError("VALIDATION_FAILED", `Unknown role(s): ${unknownRoles.join(", ")}.`, {
      unknownRoles,
    });
  }

  // A user who already exists keeps their username unless the school system names one.
  const current = await trx
    .selectFrom("users")
    .select(["external_id", "username"])
    .where(
      "external_id",
      "in",
      list.map((u) => u.externalId),
    )
    .execute();
  const currentUsername = new Map(current.map((r) => [r.external_id!, r.username]));
  const wantedUsername = (u: DirectoryUser) =>
    u.username ?? currentUsername.get(u.externalId) ?? derivedUsername(u.externalId, false);

  // Usernames: an explicit one must be free; a derived one gets a suffix when taken by someone else.
  const existing = await sql<{ external_id: string | null; username: string }>`
    SELECT external_id, lower(username) AS username FROM users
    WHERE lower(username) = ANY(${list.map((u) => wantedUsername(u).toLowerCase())}::text[])`.execute(trx);
  const takenBy = new Map(existing.rows.map((r) => [r.username, r.external_id]));
  const seen = new Set<string>();
  const clashes: string[] = [];
  const usernames = list.map((u) => {
    let name = wantedUsername(u);
    const owner = takenBy.get(name.toLowerCase());
    const clash = (owner !== undefined && owner !== u.externalId) || seen.has(name.toLowerCase());
    if (clash && u.username) clashes.push(u.externalId);
    if (clash && !u.username) name = derivedUsername(u.externalId, true);
    seen.add(name.toLowerCase());
    return name;
  });
  if (clashes.length > 0) {
    throw new HallwayError("USERNAME_TAKEN", "Some usernames are taken by other users.", {
      externalIds: clashes.slice(0, 100),
    });
  }

  const { rows } = await sql<{
    id: string;
    external_id: string;
    outcome: "created" | "updated";
    was_active: boolean | null;
    active: boolean;
    was_role: string | null;
    role: string;
  }>`
    WITH input AS (
      SELECT * FROM unnest(
        ${list.map((u) => u.externalId)}::text[], ${usernames}::text[], ${list.map((u) => u.email ?? null)}::text[],
        ${list.map((u) => u.displayName)}::text[], ${list.map((u) => u.avatarUrl ?? null)}::text[],
        ${list.map((u) => u.role)}::text[], ${list.map((u) => u.active)}::boolean[]
      ) AS t(external_id, username, email, display_name, avatar_url, role, active)
    ), before AS (
      SELECT u.external_id, u.active, u.role FROM users u JOIN input i USING (external_id)
    ), upserted AS (
      INSERT INTO users (external_id, username, email, display_name, avatar_url, role, active)
      SELECT external_id, username, email, display_name, avatar_url, role, active FROM input
      ON CONFLICT (external_id) DO UPDATE SET
        username = EXCLUDED.username, email = EXCLUDED.email, display_name = EXCLUDED.display_name,
        avatar_url = EXCLUDED.avatar_url, role = EXCLUDED.role, active = EXCLUDED.active, updated_at = now()
      WHERE (users.username, users.email, users.display_name, users.avatar_url, users.role, users.active)
        IS DISTINCT FROM (EXCLUDED.username, EXCLUDED.email, EXCLUDED.display_name, EXCLUDED.avatar_url, EXCLUDED.role, EXCLUDED.active)
      RETURNING id, external_id, (xmax = 0) AS inserted, active, role
    )
    SELECT up.id, up.external_id, CASE WHEN up.inserted THEN 'created' ELSE 'updated' END AS outcome, b.active AS was_active, up.active,
      b.role AS was_role, up.role
    FROM upserted up LEFT JOIN before b USING (external_id)`.execute(trx);

  for (const row of rows) {
    result.idByExternalId.set(row.external_id, row.id);
    if (row.outcome === "created") result.created++;
    else result.updated++;
    if (row.was_active === true && !row.active) result.deactivatedIds.push(row.id);
    if (row.was_role !== null && row.was_role !== row.role)
      result.roleChanges.push({ id: row.id, from: row.was_role, to: row.role });
  }
  const untouched = list.filter((u) => !result.idByExternalId.has(u.externalId)).map((u) => u.externalId);
  result.unchanged = untouched.length;
  if (untouched.length > 0) {
    const found = await trx
      .selectFrom("users")
      .select(["id", "external_id"])
      .where("external_id", "in", untouched)
      .execute();
    for (const row of found) result.idByExternalId.set(row.external_id!, row.id);
  }
  return result;
}
