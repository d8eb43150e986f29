import { type FileHandle, open } from "node:fs/promises";
import { fileTypeFromFile } from "file-type";
import { parseFile } from "music-metadata";
import sharp from "sharp";
import {
  CFB_HEADER_BYTES,
  cfbRootClassOffset,
  formatClassId,
  installerTypeOfClass,
} from "../../domain/files/cfb-class.ts";
import { extensionOf } from "../../domain/files/file-name.ts";
import {
  type AcceptedType,
  classifyDetected,
  mediaVerdict,
  refusedText,
  textType,
  thumbnailMimeOf,
  UNKNOWN_BINARY,
} from "../../domain/files/file-types.ts";
import { MAX_IMAGE_PIXELS, THUMBNAIL_SIZE } from "../../domain/files/limits.ts";
import { type ByteSource, scanWebm } from "../../domain/files/webm-scan.ts";
import { HallwayError } from "../../errors.ts";

// Each upload is decoded once: libvips' operation cache would only hold memory.
sharp.cache(false);

/** What an uploaded file turned out to be, from its bytes. */
export interface Inspection {
  type: AcceptedType;
  /** Images: pixel size as shown (EXIF orientation applied). */
  width: number | null;
  height: number | null;
  /** Audio: length in milliseconds, when the file says. */
  durationMs: number | null;
  /** Images: the preview's bytes (at most THUMBNAIL_SIZE on its longest side). */
  thumbnail: Buffer | null;
  /**
   * Images that carried EXIF, XMP or IPTC metadata (a phone photo's GPS position, the camera,
   * the time): the same picture upright and without it, to store instead of the upload.
   */
  withoutMetadata: Buffer | null;
}

/**
 * Decides what a staged upload is from its content, against the school's allowlist
 * (domain/files/file-types.ts), and reads what messages show of it: an image's pixel size and
 * preview, an audio file's duration. Reads the local file only as far as each step needs (type
 * detection reads its head; text is checked in chunks). Throws FILE_TYPE_REFUSED, or
 * FILE_TOO_LARGE for an image with too many pixels.
 */
export async function inspectUpload(localPath: string, name: string): Promise<Inspection> {
  const detected = await fileTypeFromFile(localPath).catch(() => undefined);
  const classified = classifyDetected(detected?.mime, extensionOf(name));
  if (classified.verdict === "refuse") throw refused(classified.detected);
  if (detected?.mime === "application/x-cfb") {
    const installer = await cfbInstallerType(localPath);
    if (installer) throw refused(installer);
  }
  const none = { width: null, height: null, durationMs: null, thumbnail: null, withoutMetadata: null };
  if (classified.verdict === "maybe-text") {
    const verdict = await textVerdict(localPath);
    if (verdict !== null) throw refused(verdict);
    return { type: textType(extensionOf(name)), ...none };
  }
  const { type, check } = classified;
  switch (check) {
    case "image":
      return { type, durationMs: null, ...(await readImage(localPath, type.mime)) };
    case "audio":
      return { type, ...none, durationMs: (await readMedia(localPath, type.mime))?.durationMs ?? null };
    case "media": {
      const media = await readMedia(localPath, type.mime);
      const verdict = mediaVerdict(media ?? { hasAudio: false, hasVideo: false }, detected!.mime);
      if (verdict.verdict === "refuse") throw refused(verdict.detected);
      return { type, ...none, durationMs: media?.durationMs ?? null };
    }
    case "none":
      return { type, ...none };
  }
}

/** A CFB container whose root class is a Windows installer's: its media type; otherwise null. */
async function cfbInstallerType(localPath: string): Promise<string | null> {
  const file = await open(localPath, "r");
  try {
    const header = Buffer.alloc(CFB_HEADER_BYTES);
    const { bytesRead } = await file.read(header, 0, CFB_HEADER_BYTES, 0);
    const offset = cfbRootClassOffset(header.subarray(0, bytesRead));
    if (offset === null) return null;
    const classId = Buffer.alloc(16);
    if ((await file.read(classId, 0, 16, offset)).bytesRead < 16) return null;
    return installerTypeOfClass(formatClassId(classId));
  } finally {
    await file.close().catch(() => {});
  }
}

function refused(detected: string): HallwayError {
  return new HallwayError(
    "FILE_TYPE_REFUSED",
    detected === UNKNOWN_BINARY
      ? "The file's content is not of a type the school accepts (it is not an image, audio, a document or text)."
      : `The file's content is ${detected}, which the school does not accept.`,
    { detected },
  );
}

/**
 * Null when the file is text Hallway accepts: valid UTF-8 without NUL bytes, and neither SVG
 * nor a script. Otherwise the type it looked like.
 */
async function textVerdict(localPath: string): Promise<string | null> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let start = "";
  const file = await open(localPath, "r");
  try {
    for await (const chunk of file.createReadStream({ highWaterMark: 64 * 1024 })) {
      const bytes = chunk as Buffer;
      if (bytes.includes(0)) return UNKNOWN_BINARY;
      const text = decoder.decode(bytes, { stream: true });
      if (start.length < 4096) start += text.slice(0, 4096 - start.length);
    }
    decoder.decode();
  } catch {
    // Not UTF-8.
    return UNKNOWN_BINARY;
  } finally {
    await file.close().catch(() => {});
  }
  return refusedText(start);
}

/** Pixel size (as shown, after EXIF orientation) and a preview; never decodes a pixel bomb. */
async function readImage(
  localPath: string,
  mime: string,
): Promise<{ width: number; height: number; thumbnail: Buffer; withoutMetadata: Buffer | null }> {
  const options = { limitInputPixels: MAX_IMAGE_PIXELS, failOn: "error" as const };
  let width: number;
  let height: number;
  let hasMetadata: boolean;
  try {
    // The header only: no pixel is decoded, so the size can be told whatever it is.
    const meta = await sharp(localPath, { ...options, limitInputPixels: false }).metadata();
    width = meta.autoOrient?.width ?? meta.width;
    height = meta.autoOrient?.height ?? meta.height;
    hasMetadata = meta.exif !== undefined || meta.xmp !== undefined || meta.iptc !== undefined;
  } catch {
    throw unreadableImage(mime);
  }
  if (!(width > 0 && height > 0)) throw unreadableImage(mime);
  if (width * height > MAX_IMAGE_PIXELS)
    throw new HallwayError(
      "FILE_TOO_LARGE",
      `The image is ${width}×${height} pixels; Hallway reads images of at most ${MAX_IMAGE_PIXELS / 1_000_000} megapixels.`,
      { maxPixels: MAX_IMAGE_PIXELS, width, height },
    );
  try {
    const preview = sharp(localPath, options)
      .autoOrient()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: true });
    const thumbnail = await (thumbnailMimeOf(mime) === "image/jpeg"
      ? preview.jpeg({ quality: 80, mozjpeg: true })
      : preview.png({ compressionLevel: 9 })
    ).toBuffer();
    return {
      width,
      height,
      thumbnail,
      withoutMetadata: hasMetadata ? await stripMetadata(localPath, mime) : null,
    };
  } catch {
    throw unreadableImage(mime);
  }
}

/**
 * The picture re-encoded upright in its own format with no EXIF, XMP or IPTC (sharp keeps none
 * unless asked), keeping its colour profile. Animated GIFs keep every frame.
 */
async function stripMetadata(localPath: string, mime: string): Promise<Buffer> {
  const image = sharp(localPath, {
    limitInputPixels: MAX_IMAGE_PIXELS,
    failOn: "error",
    animated: mime === "image/gif" || mime === "image/webp",
  })
    .autoOrient()
    .keepIccProfile();
  switch (mime) {
    case "image/jpeg":
      return image.jpeg({ quality: 90, mozjpeg: true }).toBuffer();
    case "image/webp":
      return image.webp({ quality: 90 }).toBuffer();
    case "image/gif":
      return image.gif().toBuffer();
    default:
      return image.png({ compressionLevel: 9 }).toBuffer();
  }
}

function unreadableImage(mime: string): HallwayError {
  return new HallwayError(
    "FILE_TYPE_REFUSED",
    `The file starts like ${mime}, but its pixels cannot be read: it may be damaged.`,
    { detected: mime },
  );
}

interface MediaFacts {
  hasAudio: boolean;
  hasVideo: boolean;
  durationMs: number | null;
}

/**
 * The tracks and duration of an audio or audio/video file (music-metadata), or null when it
 * cannot be parsed: its duration is then unknown, and a container of unknown content is
 * refused. WebM as browsers record it (no sizes, no duration) defeats music-metadata; Hallway's
 * own WebM reader answers for it.
 */
async function readMedia(localPath: string, mime: string): Promise<MediaFacts | null> {
  let facts: MediaFacts | null = null;
  try {
    const { format } = await parseFile(localPath, { duration: true, skipCovers: true });
    const seconds = format.duration;
    facts = {
      hasAudio: format.hasAudio ?? format.trackInfo.some((t) => t.audio !== undefined),
      hasVideo: format.hasVideo ?? format.trackInfo.some((t) => t.video !== undefined),
      durationMs: seconds !== undefined && Number.isFinite(seconds) ? Math.round(seconds * 1000) : null,
    };
  } catch {
    facts = null;
  }
  if (mime === "audio/webm" && (facts === null || facts.durationMs === null)) {
    const file = await open(localPath, "r");
    try {
      facts = (await scanWebm(await windowedSource(file))) ?? facts;
    } finally {
      await file.close();
    }
  }
  return facts;
}

/** Random access to a file through a 64 KiB window, so scanning many small elements reads each block of the file once. */
async function windowedSource(file: FileHandle): Promise<ByteSource> {
  const { size } = await file.stat();
  const WINDOW = 64 * 1024;
  let windowStart = 0;
  let window = new Uint8Array(0);
  return {
    size,
    async read(position, length) {
      if (position < windowStart || position + length > windowStart + window.length) {
        const buffer = Buffer.alloc(Math.max(WINDOW, length));
        const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
        windowStart = position;
        window = buffer.subarray(0, bytesRead);
      }
      const from = position - windowStart;
      return window.subarray(from, Math.min(from + length, window.length));
    },
  };
}
