import type { ForwardedFrom, Message } from "@hallway/protocol";
import { canPost } from "../../domain/policy/index.ts";
import { HallwayError } from "../../errors.ts";
import { lockBlobKeys, referencedBlobKeys } from "../../postgres/blob-references.ts";
import { requireMessage } from "../../postgres/message-pages.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "../conversations/membership.ts";
import { sendMessage } from "./send-message.ts";

/**
 * Forwards a message of a conversation the caller is in to one they may post in: a new message
 * there with the same text and attachments, sent exactly as the caller's own (policy, limits,
 * word filter and all), remembering where it came from. A forward of a forward points at the
 * original. The attachments are new rows of the target conversation over the same stored
 * bytes, so members of the target download them without reaching into the source. Idempotent
 * by the client id.
 */
export async function forwardMessage(
  ctx: ServiceContext,
  principal: Principal,
  input: { conversationId: string; messageId: string; targetConversationId: string; clientId: string },
): Promise<{ message: Message; duplicate: boolean }> {
  const me = requireUser(principal);
  await requireMembership(ctx.db, input.conversationId, me.userId);
  const source = await requireMessage(ctx.db, input.conversationId, input.messageId);
  if (source.kind === "system" || source.deleted)
    throw new HallwayError("VALIDATION_FAILED", "Notices and deleted messages cannot be forwarded.");

  const forwardedFrom: ForwardedFrom = source.forwardedFrom ?? {
    messageId: source.id,
    conversationId: source.conversationId,
    senderId: source.senderId,
    createdAt: source.createdAt,
  };
  // Refuse before copying anything into the target: a forward that may not land leaves nothing there.
  const target = await ctx.policy.conversation(input.targetConversationId, me.userId);
  ctx.policy.require(
    canPost(ctx.policy.rules, await ctx.policy.person(me.userId), target.facts, target.membership),
    {
      actorId: me.userId,
      action: "message.post",
      targetType: "conversation",
      targetId: input.targetConversationId,
    },
  );
  // A retry finds its first forward before copying the attachments again.
  const earlier = await ctx.db
    .selectFrom("messages")
    .select("id")
    .where("sender_id", "=", me.userId)
    .where("client_id", "=", input.clientId)
    .executeTakeFirst();
  const attachmentIds = earlier
    ? []
    : await copyAttachments(ctx, source, input.targetConversationId, me.userId);
  return sendMessage(ctx, principal, {
    conversationId: input.targetConversationId,
    clientId: input.clientId,
    ...(source.text === "" ? {} : { text: source.text }),
    ...(attachmentIds.length > 0 ? { attachmentIds } : {}),
    forwardedFrom,
  });
}

/** Unsent copies, for the forwarder in the target conversation, of the source's attachments. */
async function copyAttachments(
  ctx: ServiceContext,
  source: Message,
  targetConversationId: string,
  forwarderId: string,
): Promise<string[]> {
  if (source.attachments.length === 0) return [];
  const originals = await ctx.db
    .selectFrom("attachments")
    .selectAll()
    .where("message_id", "=", source.id)
    .execute();
  const byId = new Map(originals.map((a) => [a.id, a]));
  const ids: string[] = [];
  for (const shown of source.attachments) {
    const original = byId.get(shown.id);
    if (!original) continue;
    const keys = original.thumbnail_key
      ? [original.storage_key, original.thumbnail_key]
      : [original.storage_key];
    // A new reference to stored bytes only while another row still refers to them, under the
    // blobs' locks: retention or the clean-up, deleting the source, cannot remove the file
    // between this check and the copy (postgres/blob-references.ts).
    const copy = await ctx.db.transaction().execute(async (trx) => {
      await lockBlobKeys(trx, keys);
      if (!(await referencedBlobKeys(trx, [original.storage_key])).has(original.storage_key))
        return undefined;
      return trx
        .insertInto("attachments")
        .values({
          conversation_id: targetConversationId,
          uploader_id: forwarderId,
          storage_key: original.storage_key,
          name: original.name,
          mime: original.mime,
          kind: original.kind,
          size: original.size,
          width: original.width,
          height: original.height,
          duration_ms: original.duration_ms,
          thumbnail_key: original.thumbnail_key,
          copied: true,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
    });
    if (copy) ids.push(copy.id);
  }
  return ids;
}
