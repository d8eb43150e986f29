import type { UploadResult } from "@hallway/protocol";
import { HallwayClientError } from "./errors.ts";

/** How far an upload has got: bytes of the request body sent so far, of `total`. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadOptions {
  /** The file name to give the server; defaults to the File's own name, else "file". */
  name?: string;
  /**
   * Called as the bytes go out. Browsers report progress through XMLHttpRequest; where there is
   * none (Node), it is called once, when the server has answered.
   */
  onProgress?(progress: UploadProgress): void;
  /** Aborts the upload (rejects with CLIENT_ABORTED). */
  signal?: AbortSignal;
}

export type UploadResultBody = ReturnType<typeof UploadResult.parse>;

/** The part of XMLHttpRequest used here (browsers only; Node has none). */
interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: unknown): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  upload: {
    onprogress: ((event: { loaded: number; total: number; lengthComputable: boolean }) => void) | null;
  };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

/**
 * POSTs one file as `multipart/form-data` (field `file`) with the bearer token, and returns
 * the server's JSON. A refusal becomes a HallwayClientError with the catalogue code
 * (FILE_TOO_LARGE, FILE_TYPE_REFUSED…) and the HTTP status; a network failure is
 * CLIENT_DISCONNECTED.
 */
export async function uploadFile(
  url: string,
  token: string | undefined,
  file: Blob,
  options: UploadOptions,
  fetchImpl: typeof fetch,
): Promise<UploadResultBody> {
  const name = options.name ?? (file as { name?: unknown }).name;
  const form = new FormData();
  form.append("file", file, typeof name === "string" && name ? name : "file");
  const Xhr = (globalThis as { XMLHttpRequest?: new () => XhrLike }).XMLHttpRequest;
  let answer: { status: number; text: string };
  if (options.onProgress && Xhr) answer = await viaXhr(new Xhr(), url, token, form, file.size, options);
  else {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        headers: token ? { authorization: `Bearer ${token}` } : {},
        body: form,
        signal: options.signal,
      });
    } catch (error) {
      throw options.signal?.aborted ? aborted() : disconnected(error);
    }
    answer = { status: response.status, text: await response.text() };
    options.onProgress?.({ loaded: file.size, total: file.size });
  }
  return parseAnswer<UploadResultBody>(answer.status, answer.text);
}

function viaXhr(
  xhr: XhrLike,
  url: string,
  token: string | undefined,
  form: FormData,
  size: number,
  options: UploadOptions,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(aborted());
    xhr.open("POST", url);
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) =>
      options.onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : size });
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(disconnected());
    xhr.onabort = () => reject(aborted());
    options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** JSON on success; the server's `{ error }` (or the bare status, from a proxy) otherwise. */
export function parseAnswer<T>(status: number, text: string): T {
  let parsed: { error?: { code?: string; message?: string; details?: unknown } } | null = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: a proxy's page. Only the status is worth anything.
  }
  if (status >= 200 && status < 300) return parsed as T;
  const error = parsed?.error;
  if (error?.code)
    throw new HallwayClientError(error.code, error.message ?? error.code, error.details, status);
  const code = status === 413 ? "PAYLOAD_TOO_LARGE" : status >= 500 ? "SERVICE_UNAVAILABLE" : "INTERNAL";
  throw new HallwayClientError(code, `HTTP ${status}`, undefined, status);
}

function aborted(): HallwayClientError {
  return new HallwayClientError("CLIENT_ABORTED", "The upload was cancelled.");
}

function disconnected(cause?: unknown): HallwayClientError {
  const reason = cause instanceof Error ? ` (${cause.message})` : "";
  return new HallwayClientError(
    "CLIENT_DISCONNECTED",
    `The upload failed: no connection to the server${reason}.`,
  );
}
