import type { Attachment } from "@hallway/protocol";
import { UNSENT_UPLOAD_TTL_MS } from "../../domain/files/limits.ts";
import { HallwayError } from "../../errors.ts";
import type { Db } from "../../postgres/database.ts";
import { toAttachment } from "../../postgres/rows.ts";

/**
 * The attachments a send names, in the order named: each must be an upload of the sender's to
 * this conversation that no message holds yet — or that the message of this very client id
 * holds, which is a retry the writer answers with the first result. Someone else's upload, or
 * one to another conversation, is "not found" (ids reveal nothing); one already sent in another
 * message is refused as such. An upload not sent within a day is not found either: the
 * clean-up job removes it (an hour later, so a send that passed this check still finds its row).
 */
export async function sendableAttachments(
  db: Db,
  send: { conversationId: string; senderId: string; clientId: string },
  ids: readonly string[],
): Promise<Attachment[]> {
  if (ids.length === 0) return [];
  if (new Set(ids).size !== ids.length)
    throw new HallwayError("VALIDATION_FAILED", "An attachment is named twice.", {
      issues: [{ path: ["attachmentIds"], message: "each attachment once" }],
    });
  const rows = await db
    .selectFrom("attachments")
    .leftJoin("messages", "messages.id", "attachments.message_id")
    .selectAll("attachments")
    .select("messages.client_id as claimed_by_client_id")
    .where("attachments.id", "in", [...ids])
    .where("attachments.conversation_id", "=", send.conversationId)
    .where("attachments.uploader_id", "=", send.senderId)
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const oldest = Date.now() - UNSENT_UPLOAD_TTL_MS;
  return ids.map((id) => {
    const row = byId.get(id);
    if (!row) throw new HallwayError("ATTACHMENT_NOT_FOUND", undefined, { attachmentId: id });
    if (row.message_id !== null && row.claimed_by_client_id !== send.clientId)
      throw new HallwayError("ATTACHMENT_ALREADY_SENT", undefined, { attachmentId: id });
    if (row.message_id === null && row.created_at.getTime() < oldest)
      throw new HallwayError(
        "ATTACHMENT_NOT_FOUND",
        "This upload was not sent within a day; upload it again.",
        {
          attachmentId: id,
        },
      );
    return toAttachment(row);
  });
}

/** What a message with these attachments is: their kind when they share one, else a file message. */
export function messageKindOf(attachments: readonly Attachment[]): "text" | Attachment["kind"] {
  if (attachments.length === 0) return "text";
  const first = attachments[0]!.kind;
  return attachments.every((a) => a.kind === first) ? first : "file";
}
