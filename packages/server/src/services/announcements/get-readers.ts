import type { Audience, Readers } from "@hallway/protocol";
import { sql } from "kysely";
import { canSeeReaders, type Decision, deny } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import { toUserProfile } from "../../postgres/rows.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

/**
 * "Read by 212 of 230" for one announcement, and who has not read it, by name a page at a
 * time: arithmetic over members' read positions (no receipt rows). Members who joined after
 * the message, and its author, are not counted. For the author, whoever may announce to the
 * channel's audience, and admins; the audience is refused.
 */
export async function getReaders(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  messageId: string,
  page: { limit: number; cursor?: string },
): Promise<Readers> {
  const me = requireUser(principal);
  const conversation = await ctx.db
    .selectFrom("conversations")
    .select(["kind", "created_by", "audience"])
    .where("id", "=", conversationId)
    .executeTakeFirst();
  if (!conversation) throw notFound.conversation();
  const member = await ctx.db
    .selectFrom("members")
    .select("user_id")
    .where("conversation_id", "=", conversationId)
    .where("user_id", "=", me.userId)
    .where("left_at", "is", null)
    .executeTakeFirst();
  const actor = await ctx.policy.person(me.userId);
  const audience = conversation.kind === "announcement" ? (conversation.audience as Audience | null) : null;
  const decision: Decision = audience
    ? canSeeReaders(ctx.policy.rules, actor, audience, {
        isAuthor: conversation.created_by === me.userId,
        member: member !== undefined,
      })
    : deny("conversation.kind", "Read statistics are for announcements.", "CONVERSATION_KIND_MISMATCH");
  // Who may not see the channel at all learns nothing, not even whether the message exists.
  if (!member && !decision.allowed) throw notFound.conversation();

  const message = await ctx.db
    .selectFrom("messages")
    .select(["seq", "sender_id", "created_at", "kind"])
    .where("conversation_id", "=", conversationId)
    .where("id", "=", messageId)
    .executeTakeFirst();
  if (!message || message.kind === "system") throw notFound.message();
  // Other conversations have receipts (GET …/receipts) instead.
  ctx.policy.require(decision);

  const seq = Number(message.seq);
  const counted = sql`m.conversation_id = ${conversationId} AND m.left_at IS NULL
    AND m.user_id IS DISTINCT FROM ${message.sender_id} AND m.joined_at <= ${message.created_at}`;
  const { rows: totals } = await sql<{ read_count: number; audience_count: number }>`
    SELECT count(*) FILTER (WHERE m.last_read_seq >= ${seq})::int AS read_count, count(*)::int AS audience_count
    FROM members m WHERE ${counted}`.execute(ctx.db);
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  const { rows } = await sql<{
    id: string;
    username: string;
    display_name: string;
    role: string;
    avatar_url: string | null;
    active: boolean;
    sort_name: string;
  }>`
    SELECT u.id, u.username, u.display_name, u.role, u.avatar_url, u.active, lower(u.display_name) AS sort_name
    FROM members m JOIN users u ON u.id = m.user_id
    WHERE ${counted} AND m.last_read_seq < ${seq}
      ${after ? sql`AND (lower(u.display_name), u.id) > (${after[0]}, ${after[1]}::uuid)` : sql``}
    ORDER BY lower(u.display_name), u.id
    LIMIT ${page.limit + 1}`.execute(ctx.db);
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    seq,
    readCount: totals[0]!.read_count,
    audienceCount: totals[0]!.audience_count,
    unread: shown.map(toUserProfile),
    nextCursor: more && last ? encodeCursor([last.sort_name, last.id]) : null,
  };
}

function encodeCursor(position: [string, string]): string {
  return Buffer.from(JSON.stringify(position)).toString("base64url");
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      typeof value[1] === "string" &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value[1])
    )
      return [value[0], value[1]];
  } catch {}
  throw new HallwayError("VALIDATION_FAILED", "The cursor is not one this server gave out.");
}

/**
 * For other read statistics of an announcement channel (receipts): a member of its audience
 * is refused as here, so no side door tells them who else has read what.
 */
export async function requireMaySeeReaders(
  ctx: ServiceContext,
  userId: string,
  conversationId: string,
): Promise<void> {
  const conversation = await ctx.db
    .selectFrom("conversations")
    .select(["created_by", "audience"])
    .where("id", "=", conversationId)
    .executeTakeFirst();
  if (!conversation) throw notFound.conversation();
  const actor = await ctx.policy.person(userId);
  ctx.policy.require(
    canSeeReaders(ctx.policy.rules, actor, conversation.audience as Audience, {
      isAuthor: conversation.created_by === userId,
      member: true,
    }),
  );
}
