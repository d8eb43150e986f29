import { HallwayError, notFound } from "../../errors.ts";
import type { Db } from "../../postgres/database.ts";

export interface Membership {
  conversationId: string;
  kind: string;
  role: "admin" | "member";
}

/**
 * The caller's current membership of a conversation. A conversation that does not exist and
 * one the caller is not in look the same, so ids reveal nothing.
 */
export async function requireMembership(db: Db, conversationId: string, userId: string): Promise<Membership> {
  const row = await db
    .selectFrom("members")
    .innerJoin("conversations", "conversations.id", "members.conversation_id")
    .select(["conversations.id", "conversations.kind", "members.role"])
    .where("members.conversation_id", "=", conversationId)
    .where("members.user_id", "=", userId)
    .where("members.left_at", "is", null)
    .executeTakeFirst();
  if (!row) throw notFound.conversation();
  return { conversationId: row.id, kind: row.kind, role: row.role };
}

/** Membership of a named group, as one of its admins: what managing members needs. */
export async function requireGroupAdmin(db: Db, conversationId: string, userId: string): Promise<Membership> {
  const membership = await requireMembership(db, conversationId, userId);
  requireGroup(membership);
  if (membership.role !== "admin")
    throw new HallwayError("FORBIDDEN", "Only the group's admins may manage its members.");
  return membership;
}

/** Members of direct, section and school-wide conversations are managed by Hallway, not by hand. */
export function requireGroup(membership: Membership): void {
  if (membership.kind !== "group") {
    throw new HallwayError(
      "CONVERSATION_KIND_MISMATCH",
      `Members of a ${membership.kind} conversation are not managed by hand.`,
    );
  }
}

/** Checks that every id names an active user; answers which ones do not. */
export async function requireActiveUsers(db: Db, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  const rows = await db.selectFrom("users").select(["id", "active"]).where("id", "in", userIds).execute();
  const found = new Map(rows.map((r) => [r.id, r.active]));
  const missing = userIds.filter((id) => !found.has(id));
  if (missing.length > 0)
    throw new HallwayError("USER_NOT_FOUND", "Some users do not exist.", { userIds: missing });
  const inactive = userIds.filter((id) => found.get(id) === false);
  if (inactive.length > 0)
    throw new HallwayError("USER_INACTIVE", "Some users are deactivated.", { userIds: inactive });
}
