import type { AttachmentKind } from "@hallway/protocol";

/**
 * The file types a school accepts, decided from the bytes (what `file-type` detects), never
 * from the name or the browser's Content-Type. Anything not listed here is refused: executables,
 * archives, macro-enabled Office files, SVG (an image that can carry script), video, unknown
 * binary data. docs/attachments.md has the same table for people.
 */

/** How an accepted file is stored, served and shown. */
export interface AcceptedType {
  /** The media type Hallway stores and serves it with. */
  mime: string;
  kind: AttachmentKind;
  /**
   * Extensions (lower case, no dot) a name may end with for this type. A name that ends with
   * none of them gets the first added, so a download never opens as something it is not
   * (`run.bat` holding text becomes `run.bat.txt`).
   */
  extensions: readonly string[];
}

/**
 * What is still to check before a detected type is accepted. `image`: decode it (pixel size,
 * thumbnail); `audio`: read its duration; `media`: a container that may hold video, accepted as
 * audio only when its tracks are all audio (Chromium's MediaRecorder writes `audio/webm` that
 * `file-type` reports as `video/webm`; Safari's writes MP4); `none`: accept as it is.
 */
export type FurtherCheck = "image" | "audio" | "media" | "none";

export type Classification =
  | { verdict: "accept"; type: AcceptedType; check: FurtherCheck }
  /** Not something `file-type` knows: accepted as text when the bytes are UTF-8 text (see `textType`). */
  | { verdict: "maybe-text" }
  | { verdict: "refuse"; detected: string };

const image = (mime: string, ...extensions: string[]) => ({
  type: { mime, kind: "image" as const, extensions },
  check: "image" as const,
});
const audio = (mime: string, ...extensions: string[]) => ({
  type: { mime, kind: "audio" as const, extensions },
  check: "audio" as const,
});
const media = (mime: string, ...extensions: string[]) => ({
  type: { mime, kind: "audio" as const, extensions },
  check: "media" as const,
});
const document = (mime: string, ...extensions: string[]) => ({
  type: { mime, kind: "file" as const, extensions },
  check: "none" as const,
});

const OOXML = "application/vnd.openxmlformats-officedocument";
const ODF = "application/vnd.oasis.opendocument";

/** Detected type → how it is accepted. */
const ALLOWED: Record<string, { type: AcceptedType; check: FurtherCheck }> = {
  "image/jpeg": image("image/jpeg", "jpg", "jpeg", "jpe", "jfif"),
  "image/png": image("image/png", "png"),
  // An animated PNG is a PNG to every browser.
  "image/apng": image("image/png", "png", "apng"),
  "image/gif": image("image/gif", "gif"),
  "image/webp": image("image/webp", "webp"),

  "audio/mpeg": audio("audio/mpeg", "mp3"),
  "audio/mp4": audio("audio/mp4", "m4a", "mp4", "aac"),
  "audio/x-m4a": audio("audio/mp4", "m4a", "mp4"),
  "audio/aac": audio("audio/aac", "aac"),
  "audio/ogg": audio("audio/ogg", "ogg", "oga"),
  "audio/ogg; codecs=opus": audio("audio/ogg", "opus", "ogg", "oga"),
  "audio/wav": audio("audio/wav", "wav"),
  "audio/flac": audio("audio/flac", "flac"),
  "video/webm": media("audio/webm", "webm", "weba"),
  "video/mp4": media("audio/mp4", "m4a", "mp4"),

  "application/pdf": document("application/pdf", "pdf"),
  "application/rtf": document("application/rtf", "rtf"),
  [`${OOXML}.wordprocessingml.document`]: document(`${OOXML}.wordprocessingml.document`, "docx"),
  [`${OOXML}.spreadsheetml.sheet`]: document(`${OOXML}.spreadsheetml.sheet`, "xlsx"),
  [`${OOXML}.presentationml.presentation`]: document(`${OOXML}.presentationml.presentation`, "pptx"),
  [`${ODF}.text`]: document(`${ODF}.text`, "odt"),
  [`${ODF}.spreadsheet`]: document(`${ODF}.spreadsheet`, "ods"),
  [`${ODF}.presentation`]: document(`${ODF}.presentation`, "odp"),
  [`${ODF}.graphics`]: document(`${ODF}.graphics`, "odg"),
};

/**
 * Office 97–2003 files (.doc, .xls, .ppt) are all one container format (CFB), and so are
 * Windows installers (.msi). The bytes say "a CFB container"; the name says which Office file,
 * and a CFB whose name is not one of these three is refused. An installer renamed to one of
 * them is caught by its root class (cfb-class.ts).
 */
const LEGACY_OFFICE: Record<string, AcceptedType> = {
  doc: { mime: "application/msword", kind: "file", extensions: ["doc"] },
  xls: { mime: "application/vnd.ms-excel", kind: "file", extensions: ["xls"] },
  ppt: { mime: "application/vnd.ms-powerpoint", kind: "file", extensions: ["ppt"] },
};

/** The media type shown when nothing was recognised and the bytes are not text. */
export const UNKNOWN_BINARY = "application/octet-stream";

/**
 * What a detected type means for an upload. `detected` is `file-type`'s media type (undefined
 * when it recognised nothing); `extension` is the name's, lower case, for the CFB case only.
 */
export function classifyDetected(detected: string | undefined, extension: string): Classification {
  if (detected === undefined) return { verdict: "maybe-text" };
  if (detected === "application/x-cfb") {
    const legacy = LEGACY_OFFICE[extension];
    return legacy ? { verdict: "accept", type: legacy, check: "none" } : { verdict: "refuse", detected };
  }
  const allowed = ALLOWED[detected];
  return allowed ? { verdict: "accept", ...allowed } : { verdict: "refuse", detected };
}

/** A container (`media`) whose tracks are all audio is audio; one with video, or no audio, is refused. */
export function mediaVerdict(
  tracks: { hasAudio: boolean; hasVideo: boolean },
  detected: string,
): { verdict: "accept" } | { verdict: "refuse"; detected: string } {
  return tracks.hasAudio && !tracks.hasVideo ? { verdict: "accept" } : { verdict: "refuse", detected };
}

/**
 * Text that is refused although it is valid UTF-8: an SVG image (it can carry script and is
 * shown inline by browsers) and scripts (`#!`). Judged on the start of the file; returns the
 * type it looked like, or null.
 */
export function refusedText(start: string): string | null {
  const head = start.replace(/^\uFEFF/, "").trimStart();
  if (head.startsWith("#!")) return "text/x-script";
  // The root element, after any XML declaration, comments and doctype.
  const root = head.replace(/^(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*/i, "");
  if (
    /^<svg[\s>/]/i.test(root) ||
    /<svg[\s>/][\s\S]*xmlns\s*=\s*["']http:\/\/www\.w3\.org\/2000\/svg/i.test(head)
  )
    return "image/svg+xml";
  return null;
}

/** Plain text is served as `text/plain`, or `text/csv` when its name says so. */
export function textType(extension: string): AcceptedType {
  return extension === "csv"
    ? { mime: "text/csv", kind: "file", extensions: ["csv"] }
    : { mime: "text/plain", kind: "file", extensions: ["txt", "text", "md", "log"] };
}

/** An image's preview is a JPEG when the image is one, otherwise a PNG (which keeps transparency). */
export function thumbnailMimeOf(imageMime: string): "image/jpeg" | "image/png" {
  return imageMime === "image/jpeg" ? "image/jpeg" : "image/png";
}

/** The Content-Type a stored file is served with: text says it is UTF-8 (the only text accepted). */
export function servedContentType(mime: string): string {
  return mime.startsWith("text/") ? `${mime}; charset=utf-8` : mime;
}
