import type { AttachmentLink } from "@hallway/protocol";
import type { Selectable } from "kysely";
import type { z } from "zod";
import { type FileVariant, signFileLink } from "../../domain/files/file-links.ts";
import { notFound } from "../../errors.ts";
import type { Db } from "../../postgres/database.ts";
import type { AttachmentsTable } from "../../postgres/schema.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireMembership } from "../conversations/membership.ts";
import { linkSecret } from "./link-secret.ts";

/**
 * Short-lived signed links to an attachment's bytes (and its preview), for a current member of
 * the conversation when the attachment is in a message that is not deleted, and for the
 * uploader alone while it is not sent yet. Anyone else is told the attachment does not exist
 * (or, outside the conversation, that the conversation does not), exactly as for an id that
 * names nothing.
 */
export async function attachmentLink(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  attachmentId: string,
  baseUrl: string,
): Promise<z.infer<typeof AttachmentLink>> {
  const me = requireUser(principal);
  await requireMembership(ctx.db, conversationId, me.userId);
  const row = await downloadableAttachment(ctx.db, attachmentId);
  if (!row || row.conversation_id !== conversationId) throw notFound.attachment();
  if (row.message_id === null && row.uploader_id !== me.userId) throw notFound.attachment();

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
