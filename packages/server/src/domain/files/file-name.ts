/** The longest file name kept, in characters (code points), extension included. */
export const MAX_FILE_NAME_LENGTH = 200;

// Control characters (C0, DEL, C1) and invisible formatting characters, among them the
// right-to-left override that makes `invoice‮fdp.exe` read as `invoiceexe.pdf`. The zero-width
// joiner stays: emoji sequences need it.
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const ZWJ = "\u200d";

/** The extension of a name, lower case, without the dot ("" when there is none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/**
 * The name an upload is shown and downloaded under: the last part of whatever path the client
 * sent, without control or invisible formatting characters, trimmed of spaces and dots at the
 * ends, at most MAX_FILE_NAME_LENGTH characters, and ending with one of `extensions` (the first
 * is added when it ends with none). An empty name becomes `file`.
 */
export function displayFileName(raw: string, extensions: readonly string[]): string {
  const base = raw.normalize("NFC").split(/[/\\]/).at(-1) ?? "";
  let name = base
    .replace(INVISIBLE, (c) => (c === ZWJ ? c : ""))
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+|[\s.]+$/g, "");
  if (name === "") name = "file";
  const extension = extensionOf(name);
  const keeps = extensions.length === 0 || extensions.includes(extension);
  // The extension as the person wrote it (`IMG_0042.JPG` stays so).
  const own = keeps && extension ? name.slice(-(extension.length + 1)) : "";
  let stem = own ? name.slice(0, -own.length) : name;
  const ending = keeps ? own : `.${extensions[0]}`;
  const room = MAX_FILE_NAME_LENGTH - [...ending].length;
  if ([...stem].length > room)
    stem = [...stem]
      .slice(0, room)
      .join("")
      .replace(/[\s.]+$/, "");
  return `${stem}${ending}`;
}

/**
 * A `Content-Disposition` value: `inline` or `attachment`, with the name as RFC 6266/8187 want
 * it (`filename*=UTF-8''…`, percent-encoded) and an ASCII fallback for old clients.
 */
export function contentDisposition(type: "inline" | "attachment", name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
