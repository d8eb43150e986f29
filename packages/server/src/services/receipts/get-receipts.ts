import { notFound } from "../../errors.ts";
import { requireMaySeeReaders } from "../announcements/get-readers.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "../conversations/membership.ts";

/**
 * Who has read and received the message at `seq`: arithmetic over members' positions, so no
 * per-message receipt rows exist. The sender is not counted among the recipients.
 */
export async function getReceipts(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  seq: number,
) {
  const me = requireUser(principal);
  const membership = await requireMembership(ctx.db, conversationId, me.userId);
  const message = await ctx.db
    .selectFrom("messages")
    .select(["sender_id", "created_at"])
    .where("conversation_id", "=", conversationId)
    .where("seq", "=", seq)
    .executeTakeFirst();
  if (!message) throw notFound.message();
  // An announcement's audience does not learn who else has read it (see get-readers.ts).
  if (membership.kind === "announcement") await requireMaySeeReaders(ctx, me.userId, conversationId);
  const members = await ctx.db
    .selectFrom("members")
    .select(["user_id", "last_read_seq", "last_delivered_seq"])
    .where("conversation_id", "=", conversationId)
    .where("left_at", "is", null)
    .where("user_id", "is distinct from", message.sender_id)
    // Someone who joined after the message starts with their position at the end: they did not read it.
    .where("joined_at", "<=", message.created_at)
    .execute();
  return {
    seq,
    readBy: members.filter((m) => Number(m.last_read_seq) >= seq).map((m) => m.user_id),
    deliveredTo: members.filter((m) => Number(m.last_delivered_seq) >= seq).map((m) => m.user_id),
    recipientCount: members.length,
  };
}
