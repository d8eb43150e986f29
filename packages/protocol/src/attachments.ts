import { z } from "zod";
import { Id, IsoDate } from "./common.ts";

/** The most attachments one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** What an attachment is, from its bytes (never from its name): shown as a picture, a player or a file card. */
export const AttachmentKind = z.enum(["file", "image", "audio"]);
export type AttachmentKind = z.infer<typeof AttachmentKind>;

/**
 * An uploaded file as messages carry it. Its bytes are fetched through a short-lived signed
 * link (`GET /api/v1/conversations/{id}/attachments/{attachmentId}/link`), never from here.
 */
export const Attachment = z.object({
  id: Id,
  /**
   * The file name as uploaded, for display and downloads: path and control characters removed,
   * at most 200 characters, ending with an extension of its detected type (`report.exe` that is
   * a PDF becomes `report.exe.pdf`).
   */
  name: z.string(),
  /** The media type detected from the content. */
  mime: z.string(),
  kind: AttachmentKind,
  /** Bytes. */
  size: z.number().int(),
  /** Images: pixel size. */
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** Audio: length in milliseconds, when the file says. */
  durationMs: z.number().int().nullable(),
  /** Images: whether a small preview exists (the link then has a `thumbnailUrl`). */
  hasThumbnail: z.boolean(),
});
export type Attachment = z.infer<typeof Attachment>;

/**
 * An upload's result: the attachment, in no message yet. Send it (`attachmentIds`) within a day
 * of `createdAt`; after that it cannot be sent and is removed.
 */
export const UploadResult = z.object({
  attachment: Attachment,
  conversationId: Id,
  createdAt: IsoDate,
});

export const AttachmentParams = z.strictObject({ conversationId: Id, attachmentId: Id });

/** Signed links to an attachment's bytes: anyone holding them may fetch until `expiresAt`, so fetch, do not share. */
export const AttachmentLink = z.object({
  url: z.string(),
  /** Images with a preview: a small JPEG or PNG of it. */
  thumbnailUrl: z.string().nullable(),
  expiresAt: IsoDate,
});
