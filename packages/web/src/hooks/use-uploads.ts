import { isRetryable } from "@hallway/client";
import { type Attachment, MAX_ATTACHMENTS_PER_MESSAGE } from "@hallway/protocol";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { uploadErrorMessage } from "../lib/attachments.ts";
import { useHallway } from "../session/hallway-context.ts";

/** A file on its way to the server for the next message. */
export interface Upload {
  key: string;
  name: string;
  size: number;
  mime: string;
  /** 0…1 */
  progress: number;
  status: "uploading" | "done" | "failed";
  error?: string;
  /** A failure that may go away by trying again (the network), unlike a refusal. */
  retryable?: boolean;
  /** Once stored: what the message will carry. */
  attachment?: Attachment;
  /** A voice note's length as recorded. */
  durationMs?: number;
}

export interface Uploads {
  uploads: Upload[];
  /** Starts uploading these files at once; beyond ten, the rest are refused with a notice. */
  add(files: File[], extra?: { durationMs?: number }): void;
  remove(key: string): void;
  retry(key: string): void;
  /** Takes the stored ones for a message (failed ones stay, with their reason). */
  take(): Attachment[];
  /** Some are still on their way. */
  busy: boolean;
  /** Stored and ready to send. */
  ready: number;
  notice: string | null;
}

interface Entry {
  file: File;
  abort: AbortController;
}

let nextKey = 1;

/**
 * The files waiting to go with the next message in one composer: each is uploaded as soon as
 * it is chosen, dropped or pasted (`POST …/attachments`, with progress), so sending is quick;
 * a refusal (too big, a type the school does not accept, the daily quota) is shown on the file.
 */
export function useUploads(conversationId: string): Uploads {
  const { api } = useHallway();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const files = useRef(new Map<string, Entry>());

  const update = useCallback((key: string, change: Partial<Upload>) => {
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...change } : u)));
  }, []);

  const start = useCallback(
    (key: string, file: File) => {
      const abort = new AbortController();
      files.current.set(key, { file, abort });
      api
        .upload(conversationId, file, {
          signal: abort.signal,
          onProgress: ({ loaded, total }) => update(key, { progress: total > 0 ? loaded / total : 0 }),
        })
        .then(
          (result) => update(key, { status: "done", progress: 1, attachment: result.attachment }),
          (error) => {
            if (abort.signal.aborted) return;
            update(key, {
              status: "failed",
              error: uploadErrorMessage(error, file.name),
              retryable: isRetryable(error),
            });
          },
        );
    },
    [api, conversationId, update],
  );

  // Leaving the conversation stops what is still uploading.
  useEffect(() => {
    const entries = files.current;
    return () => {
      for (const entry of entries.values()) entry.abort.abort();
    };
  }, []);

  const add = useCallback(
    (chosen: File[], extra: { durationMs?: number } = {}) => {
      setNotice(null);
      const room = MAX_ATTACHMENTS_PER_MESSAGE - uploads.filter((u) => u.status !== "failed").length;
      const taken = chosen.slice(0, Math.max(0, room));
      if (taken.length < chosen.length)
        setNotice(`A message can carry up to ${MAX_ATTACHMENTS_PER_MESSAGE} files: send these first.`);
      const added = taken.map((file) => ({ key: `upload-${nextKey++}`, file }));
      setUploads((list) => [
        ...list,
        ...added.map(({ key, file }) => ({
          key,
          name: file.name || "file",
          size: file.size,
          mime: file.type,
          progress: 0,
          status: "uploading" as const,
          durationMs: extra.durationMs,
        })),
      ]);
      for (const { key, file } of added) start(key, file);
    },
    [uploads, start],
  );

  const remove = useCallback((key: string) => {
    files.current.get(key)?.abort.abort();
    files.current.delete(key);
    setNotice(null);
    setUploads((list) => list.filter((u) => u.key !== key));
  }, []);

  const retry = useCallback(
    (key: string) => {
      const entry = files.current.get(key);
      if (!entry) return;
      update(key, { status: "uploading", progress: 0, error: undefined });
      start(key, entry.file);
    },
    [start, update],
  );

  const take = useCallback(() => {
    const done = uploads.filter((u) => u.status === "done" && u.attachment);
    for (const u of done) files.current.delete(u.key);
    setUploads((list) => list.filter((u) => u.status !== "done"));
    setNotice(null);
    return done.map((u) => ({
      ...u.attachment!,
      durationMs: u.attachment!.durationMs ?? u.durationMs ?? null,
    }));
  }, [uploads]);

  const busy = uploads.some((u) => u.status === "uploading");
  const ready = uploads.filter((u) => u.status === "done").length;
  return useMemo(
    () => ({ uploads, add, remove, retry, take, busy, ready, notice }),
    [uploads, add, remove, retry, take, busy, ready, notice],
  );
}
