import type { Socket } from "node:net";
import type { Multipart, MultipartFile } from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HallwayError } from "../errors.ts";
import { formatBytes, type UploadSource } from "../services/attachments/upload-attachment.ts";

/** Room for the multipart framing around the file: boundaries, part headers, a few small fields. */
const MULTIPART_OVERHEAD = 64 * 1024;

/** Limits busboy enforces while it parses: one file, a few small fields beside it. */
const PARSE_LIMITS = { files: 1, fields: 8, fieldSize: 4096, parts: 9, headerPairs: 16 };

/** The sockets whose request is an upload being read (for `registerTruncatedUploadAnswer`). */
const uploading = new WeakSet<Socket>();

/**
 * The file of a multipart upload request, read as a stream. A declared body larger than the
 * file limit is refused before a byte is read; busboy stops a file at the limit; every way a
 * body can be wrong becomes a catalogue error (FILE_TOO_LARGE, FILE_TRUNCATED,
 * UNSUPPORTED_MEDIA_TYPE, VALIDATION_FAILED).
 */
export function multipartUpload(
  request: FastifyRequest,
  maxBytes: number,
): UploadSource & {
  /** The request is answered: the socket is no longer reading an upload. */ release(): void;
} {
  let parts: AsyncIterator<Multipart> | undefined;
  const next = async () => {
    try {
      return await parts!.next();
    } catch (error) {
      throw multipartError(error, maxBytes);
    }
  };
  return {
    async open() {
      if (!request.isMultipart())
        throw new HallwayError(
          "UNSUPPORTED_MEDIA_TYPE",
          "Send the file as multipart/form-data, in a part named `file` with its file name.",
        );
      const declared = Number(request.headers["content-length"]);
      if (declared > maxBytes + MULTIPART_OVERHEAD) throw tooLarge(maxBytes);
      parts = request.parts({ limits: { ...PARSE_LIMITS, fileSize: maxBytes } })[Symbol.asyncIterator]();
      for (;;) {
        const part = await next();
        if (part.done)
          throw new HallwayError(
            "VALIDATION_FAILED",
            "The body holds no file: send it in a multipart part named `file`, with its file name.",
            { issues: [{ path: "body.file", message: "required" }] },
          );
        if (part.value.type === "file")
          return { name: part.value.filename ?? "", bytes: fileBytes(part.value, maxBytes) };
      }
    },
    async finish() {
      for (;;) {
        const part = await next();
        if (part.done) return;
        if (part.value.type === "file") throw oneFileOnly();
      }
    },
    release() {
      uploading.delete(request.raw.socket);
    },
  };
}

async function* fileBytes(part: MultipartFile, maxBytes: number): AsyncIterable<Uint8Array> {
  let limited = false;
  part.file.once("limit", () => {
    limited = true;
  });
  try {
    for await (const chunk of part.file) {
      if (limited) break;
      yield chunk as Buffer;
    }
  } catch (error) {
    throw multipartError(error, maxBytes);
  }
  if (limited || part.file.truncated) throw tooLarge(maxBytes);
}

function tooLarge(maxBytes: number): HallwayError {
  return new HallwayError(
    "FILE_TOO_LARGE",
    `The file is larger than the ${formatBytes(maxBytes)} the school allows for one file; nothing was kept.`,
    { maxBytes },
  );
}

function oneFileOnly(): HallwayError {
  return new HallwayError("VALIDATION_FAILED", "Upload one file at a time: the body holds more than one.", {
    issues: [{ path: "body", message: "one file part only" }],
  });
}

function truncated(): HallwayError {
  return new HallwayError(
    "FILE_TRUNCATED",
    "The upload ended before the whole file arrived (the multipart body is cut off); nothing was kept.",
  );
}

/** What went wrong while reading a multipart body, as a catalogue error. */
function multipartError(error: unknown, maxBytes: number): HallwayError {
  if (error instanceof HallwayError) return error;
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case "FST_REQ_FILE_TOO_LARGE":
      return tooLarge(maxBytes);
    case "FST_FILES_LIMIT":
      return oneFileOnly();
    case "FST_PARTS_LIMIT":
    case "FST_FIELDS_LIMIT":
      return new HallwayError(
        "VALIDATION_FAILED",
        `Send the file with at most ${PARSE_LIMITS.fields} small fields beside it.`,
      );
    case "FST_MP_PREMATURE_CLOSE":
    case "ECONNRESET":
      return truncated();
  }
  if (/unexpected end|terminated early|aborted/i.test(message ?? "")) return truncated();
  return new HallwayError("VALIDATION_FAILED", "The body is not a well-formed multipart/form-data body.");
}

/**
 * A client that stops sending in the middle of an upload (its connection half-closed before
 * the declared length) makes Node report a client error, which Fastify answers with its own
 * body. For uploads, answer FILE_TRUNCATED in the one error shape instead; the handler, whose
 * stream then fails, removes what it staged. `isUpload` picks the requests this applies to; they
 * are marked as soon as their headers are read (call this before any hook that waits, such as
 * authentication: the body can end while it waits).
 */
export function registerTruncatedUploadAnswer(
  app: FastifyInstance,
  isUpload: (request: FastifyRequest) => boolean,
): void {
  app.addHook("onRequest", async (request) => {
    if (isUpload(request)) uploading.add(request.raw.socket);
  });
  // Answered before the handler read anything (refused sign-in, say): a next request on the
  // same connection is not an upload.
  app.addHook("onResponse", async (request) => {
    uploading.delete(request.raw.socket);
  });
  app.server.prependListener("clientError", (_error: Error, socket: Socket) => {
    if (!uploading.has(socket) || socket.destroyed) return;
    uploading.delete(socket);
    const body = JSON.stringify(truncated().toBody());
    if (socket.writable)
      socket.write(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n" +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    socket.destroy();
  });
}
