import { findMentions } from "../../domain/mentions.ts";
import type { Decision } from "../../domain/policy/index.ts";
import { HallwayError, notFound } from "../../errors.ts";
import type { Db } from "../../postgres/database.ts";

/**
 * The thread a reply goes to: a top-level message of the same conversation that is not a
 * notice and not deleted. Threads are one level deep, as people read them.
 */
export async function requireThreadParent(db: Db, conversationId: string, parentId: string): Promise<void> {
  const parent = await db
    .selectFrom("messages")
    .select(["kind", "parent_id", "deleted_at"])
    .where("conversation_id", "=", conversationId)
    .where("id", "=", parentId)
    .executeTakeFirst();
  if (!parent) throw notFound.message();
  if (parent.kind === "system" || parent.parent_id !== null || parent.deleted_at !== null)
    throw new HallwayError("NOT_A_THREAD");
}

export interface ResolvedMentions {
  mentions: string[];
  mentionsEveryone: boolean;
}

/**
 * Who a text mentions: the current members whose usernames it names (others, and strangers,
 * are plain text), and `@everyone` if `mayMentionEveryone` allows it, which is asked only when
 * the text says it. Without an `@` there is no query.
 */
export async function resolveMentions(
  db: Db,
  conversationId: string,
  text: string,
  mayMentionEveryone: () => Decision,
): Promise<ResolvedMentions> {
  const { usernames, everyone } = findMentions(text);
  if (everyone) {
    const decision = mayMentionEveryone();
    if (!decision.allowed)
      throw new HallwayError("MENTION_EVERYONE_REFUSED", decision.reason, { rule: decision.rule });
  }
  if (usernames.length === 0) return { mentions: [], mentionsEveryone: everyone };
  const rows = await db
    .selectFrom("members")
    .innerJoin("users", "users.id", "members.user_id")
    .select(["users.id", "users.username"])
    .where("members.conversation_id", "=", conversationId)
    .where("members.left_at", "is", null)
    .where((eb) => eb(eb.fn("lower", ["users.username"]), "in", usernames))
    .execute();
  const idByName = new Map(rows.map((row) => [row.username.toLowerCase(), row.id]));
  const mentions = usernames.flatMap((name) => idByName.get(name) ?? []);
  return { mentions, mentionsEveryone: everyone };
}
