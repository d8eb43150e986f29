import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import type { SignedIn } from "./fixtures.ts";

/*
 * Files for the attachment tests, made here from scratch (sharp for images, a WAV by hand, a
 * small PDF), and ways to upload them over real HTTP and to look at what the server kept.
 */

/**
 * A picture of `width`×`height`. With an EXIF `orientation`, it is a phone's photo: turned as
 * the orientation says, with the camera and the place it was taken (GPS) in its EXIF too.
 */
export function photo(width: number, height: number, orientation?: number): Promise<Buffer> {
  // A left half red and a right half blue, so a turned preview can be told from an unturned one.
  const half = Math.floor(width / 2);
  const image = sharp({ create: { width, height, channels: 3, background: "#1040c0" } })
    .composite([
      {
        input: { create: { width: half, height, channels: 3, background: "#d02020" } },
        left: 0,
        top: 0,
      },
    ])
    .jpeg({ quality: 85 });
  if (orientation === undefined) return image.toBuffer();
  return image
    .withMetadata({ orientation })
    .withExifMerge({
      IFD0: { Make: "PhoneCo", Model: "Pocket 12" },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "51/1 30/1 0/1",
        GPSLongitudeRef: "W",
        GPSLongitude: "0/1 7/1 0/1",
      },
    })
    .toBuffer();
}

/** A PNG with transparency. */
export function transparentPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 0.5 } } })
    .png()
    .toBuffer();
}

/** A WAV file: `seconds` of a quiet tone, 8 kHz, mono, 16-bit PCM. */
export function wav(seconds: number): Buffer {
  const rate = 8000;
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    data.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "latin1");
  header.write("fmt ", 12, "latin1");
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write("data", 36, "latin1");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** A one-page PDF that says `text`. */
export function pdf(text: string): Buffer {
  const stream = `BT /F1 18 Tf 20 60 Td (${text.replace(/[()\\]/g, "")}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

/** The start of a Windows executable (an MZ header pointing at a PE signature). */
export function windowsExecutable(): Buffer {
  const bytes = Buffer.alloc(512);
  bytes.write("MZ", 0, "latin1");
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write("PE\0\0", 0x80, "latin1");
  bytes.writeUInt16LE(0x14c, 0x84); // i386
  return bytes;
}

/**
 * A minimal Compound File Binary container (the format of .doc, .xls, .ppt and .msi): a header
 * with 512-byte sectors and its directory in sector 0, whose root entry carries `classId` (the
 * 16 bytes as stored).
 */
export function compoundFile(classId: Uint8Array): Buffer {
  const bytes = Buffer.alloc(3 * 512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(bytes, 0);
  bytes.writeUInt16LE(0x3e, 0x18); // minor version
  bytes.writeUInt16LE(3, 0x1a); // major version 3: 512-byte sectors
  bytes.writeUInt16LE(0xfffe, 0x1c); // little-endian
  bytes.writeUInt16LE(9, 0x1e); // sector shift
  bytes.writeUInt32LE(0, 0x30); // first directory sector
  const root = 512; // sector 0
  Buffer.from("Root Entry", "utf16le").copy(bytes, root);
  bytes.writeUInt16LE(22, root + 0x40);
  bytes[root + 0x42] = 5; // root storage
  Buffer.from(classId).copy(bytes, root + 0x50);
  return bytes;
}

/** CLSIDs as stored (first three groups little-endian): a Windows Installer package, a Word 97 document. */
export const INSTALLER_CLASS = Uint8Array.from([
  0x84, 0x10, 0x0c, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46,
]);
export const WORD_CLASS = Uint8Array.from([0x06, 0x09, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]);

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface UploadResponse {
  status: number;
  body: any;
  headers: Headers;
}

/** Uploads one file as a browser does: multipart/form-data with a `file` part (fetch + FormData). */
export async function upload(
  baseUrl: string,
  as: SignedIn,
  conversationId: string,
  bytes: Uint8Array,
  name: string,
  type = "application/octet-stream",
): Promise<UploadResponse> {
  const form = new FormData();
  form.append("file", new Blob([bytes], { type }), name);
  const response = await fetch(`${baseUrl}/api/v1/conversations/${conversationId}/attachments`, {
    method: "POST",
    headers: { authorization: `Bearer ${as.session.accessToken}` },
    body: form,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, headers: response.headers };
}

/** A multipart body by hand, for framing a browser would never send. */
export function multipartBody(
  boundary: string,
  parts: { name: string; filename?: string; content: Buffer | string; type?: string }[],
  close = true,
): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const file = part.filename !== undefined;
    const disposition = `form-data; name="${part.name}"${file ? `; filename="${part.filename}"` : ""}`;
    // A field (no file name) is text unless told otherwise, as browsers send it.
    const type = part.type ?? (file ? "application/octet-stream" : undefined);
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ""}\r\n`,
      ),
      Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content),
      Buffer.from("\r\n"),
    );
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** Every file under a folder (the blob store's blobs and staged files), as paths relative to it. */
export async function filesUnder(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) found.push(path.relative(folder, path.join(entry.parentPath, entry.name)));
  }
  return found.sort();
}

/** The bytes the store keeps under a key. */
export function storedBytes(folder: string, key: string): Promise<Buffer> {
  return readFile(path.join(folder, key.slice(0, 2), key));
}
