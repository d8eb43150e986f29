import type { AttachmentLink } from "@hallway/protocol";
import type { Selectable } from "kysely";
import type { z } from "zod";
import { type FileVariant, signFileLink } from "../../domain/files/file-links.ts";
import { canModerate, canSupervise } from "../../domain/policy/index.ts";
import { notFound } from "../../errors.ts";
import type { Db } from "../../postgres/database.ts";
import type { AttachmentsTable } from "../../postgres/schema.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { linkSecret } from "./link-secret.ts";

/**
 * Short-lived signed links to an attachment's bytes (and its preview), for a current member of
 * the conversation when the attachment is in a message that is not deleted, and for the
 * uploader alone while it is not sent yet. Those who review the conversation from outside —
 * whoever moderates it (a reported picture) and the school's supervisors (a conversation that
 * involves a student) — get links to sent attachments too, and each such link is audited
 * (`attachment.viewed`). Anyone else is told the attachment does not exist (or, outside the
 * conversation, that the conversation does not), exactly as for an id that names nothing.
 */
export async function attachmentLink(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  attachmentId: string,
  baseUrl: string,
): Promise<z.infer<typeof AttachmentLink>> {
  const me = requireUser(principal);
  const reviewedAs = await accessOf(ctx, me.userId, conversationId);
  const row = await downloadableAttachment(ctx.db, attachmentId);
  if (!row || row.conversation_id !== conversationId) throw notFound.attachment();
  if (row.message_id === null && row.uploader_id !== me.userId) throw notFound.attachment();
  if (reviewedAs !== "member")
    await recordAudit(ctx.db, me, {
      action: "attachment.viewed",
      targetType: "message",
      targetId: row.message_id!,
      details: { conversationId, attachmentId, as: reviewedAs },
    });

  const expiresAt = Math.floor(Date.now() / 1000) + ctx.config.FILE_LINK_TTL_SECONDS;
  const secret = await linkSecret(ctx.db);
  const url = (variant: FileVariant) => {
    const sig = signFileLink(secret, { attachmentId, variant, expiresAt });
    return `${baseUrl.replace(/\/+$/, "")}/files/${attachmentId}/${variant}?exp=${expiresAt}&sig=${sig}`;
  };
  return {
    url: url("original"),
    thumbnailUrl: row.thumbnail_key === null ? null : url("thumbnail"),
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  };
}

/**
 * How the caller may see the conversation's files: as a member, as someone who moderates it, or
 * as a supervisor of a conversation that involves a student. Otherwise it does not exist.
 */
async function accessOf(
  ctx: ServiceContext,
  userId: string,
  conversationId: string,
): Promise<"member" | "moderator" | "supervisor"> {
  const { facts, membership } = await ctx.policy.conversation(conversationId, userId);
  if (membership.role !== "none") return "member";
  const person = await ctx.policy.person(userId);
  if (canModerate(ctx.policy.rules, person, facts, membership).allowed) return "moderator";
  if (canSupervise(ctx.policy.rules, person, facts).allowed) return "supervisor";
  throw notFound.conversation();
}

/**
 * An attachment whose bytes may still be fetched: not sent yet, or in a message that is not
 * deleted. Undefined otherwise (no such id, or its message was deleted).
 */
export async function downloadableAttachment(
  db: Db,
  attachmentId: string,
): Promise<Selectable<AttachmentsTable> | undefined> {
  return db
    .selectFrom("attachments")
    .leftJoin("messages", "messages.id", "attachments.message_id")
    .selectAll("attachments")
    .where("attachments.id", "=", attachmentId)
    .where((eb) => eb.or([eb("attachments.message_id", "is", null), eb("messages.deleted_at", "is", null)]))
    .executeTakeFirst();
}
