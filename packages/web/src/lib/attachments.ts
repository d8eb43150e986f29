import { HallwayClientError } from "@hallway/client";
import type { Attachment, Message } from "@hallway/protocol";
import { markdownToPlain } from "./markdown.ts";

const UNITS = ["KB", "MB", "GB"];

/** "820 bytes", "12 KB", "3.4 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)} ${UNITS[unit]}`;
}

/** "0:07", "12:30". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

const TYPES: Record<string, string> = {
  "application/pdf": "PDF document",
  "application/msword": "Word document",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
  "application/vnd.ms-excel": "Excel spreadsheet",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
  "application/vnd.ms-powerpoint": "PowerPoint presentation",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint presentation",
  "application/vnd.oasis.opendocument.text": "OpenDocument text",
  "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
  "application/zip": "ZIP archive",
  "text/plain": "Text file",
  "text/csv": "CSV file",
};

/** What a file is, in words: "PDF document", "PNG image", "WEBM audio". */
export function describeType(mime: string, name = ""): string {
  const known = TYPES[mime.split(";")[0]!.trim().toLowerCase()];
  if (known) return known;
  const [family, subtype = ""] = mime.split(";")[0]!.split("/");
  const short = subtype.replace(/^x-/, "").split(/[.+]/)[0]!.toUpperCase();
  if (family === "image") return `${short} image`;
  if (family === "audio") return `${short} audio`;
  if (family === "video") return `${short} video`;
  const extension = /\.([a-z0-9]{1,8})$/i.exec(name)?.[1];
  return extension ? `${extension.toUpperCase()} file` : "File";
}

/** A voice note recorded in Hallway (or any short sound), rather than a file to download. */
export function isVoiceNote(attachment: Pick<Attachment, "kind" | "name">): boolean {
  return attachment.kind === "audio" && /^voice[ -]note/i.test(attachment.name);
}

/** A picture, a voice note or a file, in a few words: for previews and screen readers. */
export function attachmentSummary(attachment: Pick<Attachment, "kind" | "name">): string {
  if (attachment.kind === "image") return "Photo";
  if (isVoiceNote(attachment)) return "Voice note";
  return attachment.name;
}

/** What to tell the person when an upload is refused, by the server's code. */
export function uploadErrorMessage(error: unknown, name: string): string {
  if (!(error instanceof HallwayClientError)) return `${name} could not be uploaded.`;
  const details = (error.details ?? {}) as { maxBytes?: number; detected?: string; quotaBytes?: number };
  switch (error.code) {
    case "FILE_TOO_LARGE":
    case "PAYLOAD_TOO_LARGE":
      return details.maxBytes
        ? `${name} is too big: files can be up to ${formatBytes(details.maxBytes)}.`
        : `${name} is too big to send.`;
    case "FILE_TYPE_REFUSED":
      return `${name} can't be sent: the school doesn't accept this type of file${
        details.detected ? ` (${details.detected})` : ""
      }.`;
    case "FILE_EMPTY":
      return `${name} is empty.`;
    case "FILE_TRUNCATED":
      return `${name} didn't arrive whole. Try again.`;
    case "UPLOAD_QUOTA_EXCEEDED":
      return "You've uploaded as much as the school allows today. Try again tomorrow, or send smaller files.";
    case "CLIENT_DISCONNECTED":
      return `${name} could not be uploaded: no connection. Try again when you're back online.`;
    case "RATE_LIMITED":
      return `Too many uploads at once. Try ${name} again in a moment.`;
    default:
      return `${name} could not be uploaded: ${error.message}`;
  }
}

/** A message in one line: its text, or what it carries when it has none ("Photo", "report.pdf"). */
export function messageSummary(message: Pick<Message, "text" | "attachments" | "deleted">): string {
  if (message.deleted) return "This message was deleted";
  const text = markdownToPlain(message.text).replace(/\s+/g, " ").trim();
  if (text) return text;
  const [first, ...others] = message.attachments;
  if (!first) return "";
  const what = attachmentSummary(first);
  return others.length > 0 ? `${what} and ${others.length} more` : what;
}
