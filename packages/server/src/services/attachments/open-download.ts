import type { Readable } from "node:stream";
import { type ByteRange, parseByteRange } from "../../domain/files/byte-range.ts";
import { verifyFileLink } from "../../domain/files/file-links.ts";
import { contentDisposition } from "../../domain/files/file-name.ts";
import { servedContentType, thumbnailMimeOf } from "../../domain/files/file-types.ts";
import { HallwayError, notFound } from "../../errors.ts";
import type { ServiceContext } from "../context.ts";
import { downloadableAttachment } from "./attachment-link.ts";
import { linkSecret } from "./link-secret.ts";

/** The parts of a signed download link, as they arrive. */
export interface LinkParts {
  attachmentId: string;
  variant: string;
  exp?: string;
  sig?: string;
}

/** What the download route sends: the bytes and the headers that make them safe to receive. */
export interface Download {
  body: Readable;
  /** The whole file's size. */
  size: number;
  /** The part sent, when the request asked for one (206). */
  range: ByteRange | null;
  contentType: string;
  contentDisposition: string;
  /** How long the browser may keep it (privately): no longer than the link lives. */
  maxAgeSeconds: number;
}

/**
 * Opens the bytes a signed link names. The link is the whole authorization (it was handed to
 * a member a few minutes ago), so it is checked first: anything Hallway did not sign, or that
 * expired, is LINK_INVALID. An attachment whose message has since been deleted is gone.
 * Images are shown inline; everything else downloads as an attachment under its name.
 */
export async function openDownload(
  ctx: ServiceContext,
  parts: LinkParts,
  rangeHeader: string | undefined,
): Promise<Download> {
  const now = Math.floor(Date.now() / 1000);
  const claim = verifyFileLink(await linkSecret(ctx.db), parts, now);
  if (!claim)
    throw new HallwayError(
      "LINK_INVALID",
      "This download link is not valid, or it has expired: ask for a new one.",
    );
  const row = await downloadableAttachment(ctx.db, claim.attachmentId);
  const key = claim.variant === "thumbnail" ? row?.thumbnail_key : row?.storage_key;
  if (!row || !key) throw notFound.attachment();
  const size = await ctx.blobs.size(key);
  if (size === null) throw new Error(`attachment ${row.id}: blob ${key} is missing from the store`);
  const range = parseByteRange(rangeHeader, size);
  const body = await ctx.blobs.read(key, range ?? undefined);
  if (!body) throw new Error(`attachment ${row.id}: blob ${key} vanished while being opened`);
  const thumbnail = claim.variant === "thumbnail";
  return {
    body,
    size,
    range,
    contentType: thumbnail ? thumbnailMimeOf(row.mime) : servedContentType(row.mime),
    contentDisposition:
      thumbnail || row.kind === "image"
        ? contentDisposition("inline", row.name)
        : contentDisposition("attachment", row.name),
    maxAgeSeconds: Math.max(0, claim.expiresAt - now),
  };
}
