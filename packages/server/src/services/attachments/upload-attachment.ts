import type { UploadResult } from "@hallway/protocol";
import { type Insertable, sql } from "kysely";
import type { z } from "zod";
import { displayFileName } from "../../domain/files/file-name.ts";
import { canPost, canReply } from "../../domain/policy/index.ts";
import { HallwayError } from "../../errors.ts";
import { lockBlobKeys, releaseBlobs } from "../../postgres/blob-references.ts";
import type { Db } from "../../postgres/database.ts";
import { toAttachment } from "../../postgres/rows.ts";
import type { AttachmentsTable } from "../../postgres/schema.ts";
import type { StagedBlob } from "../../storage/blob-store.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext, UserPrincipal } from "../context.ts";
import { inspectUpload } from "./inspect-upload.ts";

/** The file of an upload request, as the HTTP adapter reads it from the multipart body. */
export interface UploadSource {
  /**
   * The first file part: the name the client gave and its bytes. Throws a HallwayError when
   * the body holds no file part or is not multipart; the bytes fail with one (FILE_TOO_LARGE,
   * FILE_TRUNCATED) when the part is too big or ends early.
   */
  open(): Promise<{ name: string; bytes: AsyncIterable<Uint8Array> }>;
  /** The rest of the body, after the file: it must end properly and hold no second file. */
  finish(): Promise<void>;
}

/**
 * Uploads a file to a conversation, for a message the uploader sends next (`attachmentIds`).
 * Only those who may post or reply there may upload. The bytes stream into the blob store while
 * they are hashed; their type is decided from the content; the upload counts against the
 * uploader's daily bytes. Whatever goes wrong, nothing stays behind: no row, no blob, no
 * staged file.
 */
export async function uploadAttachment(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  source: UploadSource,
): Promise<z.infer<typeof UploadResult>> {
  const me = requireUser(principal);
  await mayUpload(ctx, me, conversationId);
  const quotaBytes = ctx.config.UPLOAD_DAILY_BYTES_PER_USER;
  const usedBytes = await uploadedToday(ctx.db, me.userId);
  if (usedBytes >= quotaBytes) throw quotaExceeded(quotaBytes, usedBytes);

  const file = await source.open();
  const uploaded = await ctx.blobs.stage(file.bytes);
  let staged = uploaded;
  let thumbnail: StagedBlob | null = null;
  try {
    await source.finish();
    if (staged.size === 0) throw new HallwayError("FILE_EMPTY", "The file is empty: it has no bytes.");
    const cleanName = displayFileName(file.name, []);
    const inspected = await inspectUpload(staged.localPath, cleanName);
    // A photo's location and camera details are not passed on: the cleaned copy is what is kept.
    if (inspected.withoutMetadata) staged = await ctx.blobs.stage([inspected.withoutMetadata]);
    if (inspected.thumbnail) thumbnail = await ctx.blobs.stage([inspected.thumbnail]);
    const row = await commitUpload(ctx, staged, thumbnail, quotaBytes, {
      conversation_id: conversationId,
      uploader_id: me.userId,
      storage_key: staged.key,
      name: displayFileName(cleanName, inspected.type.extensions),
      mime: inspected.type.mime,
      kind: inspected.type.kind,
      size: staged.size,
      width: inspected.width,
      height: inspected.height,
      duration_ms: inspected.durationMs,
      thumbnail_key: thumbnail?.key ?? null,
    });
    return {
      attachment: toAttachment(row),
      conversationId: row.conversation_id,
      createdAt: row.created_at.toISOString(),
    };
  } finally {
    await uploaded.discard();
    await staged.discard();
    await thumbnail?.discard();
  }
}

/** Those who may post in the conversation may upload to it; so may those who may only reply (an announcement's audience). */
async function mayUpload(ctx: ServiceContext, me: UserPrincipal, conversationId: string): Promise<void> {
  const { facts, membership } = await ctx.policy.conversation(conversationId, me.userId);
  const actor = await ctx.policy.person(me.userId);
  const post = canPost(ctx.policy.rules, actor, facts, membership);
  if (post.allowed || canReply(ctx.policy.rules, actor, facts, membership).allowed) return;
  ctx.policy.require(post, {
    actorId: me.userId,
    action: "attachment.upload",
    targetType: "conversation",
    targetId: conversationId,
  });
}

type NewRow = Insertable<AttachmentsTable> & { size: number };

/**
 * Makes the staged blobs visible and inserts the row in one transaction, under the uploader's
 * quota lock (so parallel uploads cannot together pass the daily limit) and the blobs' locks
 * (so a clean-up cannot delete a blob between its commit and the row that refers to it). When
 * the transaction fails, the blobs it committed are released again.
 */
async function commitUpload(
  ctx: ServiceContext,
  staged: StagedBlob,
  thumbnail: StagedBlob | null,
  quotaBytes: number,
  values: NewRow,
) {
  const keys = thumbnail ? [staged.key, thumbnail.key] : [staged.key];
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const uploaderId = values.uploader_id;
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`hallway.upload-quota:${uploaderId}`}, 0))`.execute(
        trx,
      );
      const usedBytes = await uploadedToday(trx, uploaderId);
      if (usedBytes + values.size > quotaBytes) throw quotaExceeded(quotaBytes, usedBytes);
      await lockBlobKeys(trx, keys);
      await staged.commit();
      await thumbnail?.commit();
      return trx.insertInto("attachments").values(values).returningAll().executeTakeFirstOrThrow();
    });
  } catch (error) {
    await releaseBlobs(ctx.db, ctx.blobs, keys);
    throw error;
  }
}

/** Bytes the user uploaded in the last 24 hours, sent or not (forwarded copies are not uploads). */
async function uploadedToday(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom("attachments")
    .select(sql<string>`coalesce(sum(size), 0)`.as("bytes"))
    .where("uploader_id", "=", userId)
    .where("created_at", ">", sql<Date>`now() - interval '24 hours'`)
    // A forward's copy stores nothing new.
    .where("copied", "=", false)
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}

function quotaExceeded(quotaBytes: number, usedBytes: number): HallwayError {
  return new HallwayError(
    "UPLOAD_QUOTA_EXCEEDED",
    `You have uploaded ${formatBytes(usedBytes)} in the last 24 hours; the school allows ${formatBytes(quotaBytes)}.`,
    { quotaBytes, usedBytes },
  );
}

/** Bytes for people: "25 MiB", "740 KiB", "12 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}
