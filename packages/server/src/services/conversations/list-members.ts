import { HallwayError } from "../../errors.ts";
import { PROFILE_COLUMNS, toUserProfile } from "../../postgres/rows.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "./membership.ts";

/** The current members of a conversation I belong to, a page at a time (keyset by user id). */
export async function listMembers(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  page: { limit: number; cursor?: string },
) {
  const me = requireUser(principal);
  await requireMembership(ctx.db, conversationId, me.userId);
  const after = page.cursor ? decodeCursor(page.cursor) : undefined;
  let query = ctx.db
    .selectFrom("members")
    .innerJoin("users", "users.id", "members.user_id")
    .select([
      ...PROFILE_COLUMNS,
      "members.role as member_role",
      "members.joined_at",
      "members.last_read_seq",
      "members.last_delivered_seq",
    ])
    .where("members.conversation_id", "=", conversationId)
    .where("members.left_at", "is", null)
    .orderBy("users.id")
    .limit(page.limit + 1);
  if (after) query = query.where("users.id", ">", after);
  const rows = await query.execute();
  const more = rows.length > page.limit;
  const members = rows.slice(0, page.limit).map((r) => ({
    user: toUserProfile(r),
    role: r.member_role,
    joinedAt: r.joined_at.toISOString(),
    lastReadSeq: Number(r.last_read_seq),
    lastDeliveredSeq: Number(r.last_delivered_seq),
  }));
  return { members, nextCursor: more ? encodeCursor(members.at(-1)!.user.id) : null };
}

function encodeCursor(userId: string): string {
  return Buffer.from(userId).toString("base64url");
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^[0-9a-f-]{36}$/.test(id))
    throw new HallwayError("VALIDATION_FAILED", "The cursor is not one this server gave out.");
  return id;
}
