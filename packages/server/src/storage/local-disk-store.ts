import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { type BlobEntry, type BlobStore, type ByteRange, isBlobKey, type StagedBlob } from "./blob-store.ts";

const STAGING = "tmp";

/**
 * Blobs as files in one folder: `<root>/<first two hex digits>/<sha256>`, staged in
 * `<root>/tmp/` (the same file system, so a commit is an atomic rename: a reader sees the whole
 * file or none). Staged files are flushed to disk before they are renamed, so a row that
 * refers to a blob after a crash finds its bytes. Several server processes may share the folder.
 */
export class LocalDiskBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  /** Creates the folders; call once before use. */
  async init(): Promise<void> {
    await mkdir(path.join(this.root, STAGING), { recursive: true });
  }

  async stage(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StagedBlob> {
    const localPath = path.join(this.root, STAGING, `${randomUUID()}.part`);
    const hash = createHash("sha256");
    let size = 0;
    const file = await open(localPath, "wx", 0o640);
    try {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.byteLength;
        await file.write(chunk);
      }
      await file.sync();
    } catch (error) {
      await file.close().catch(() => {});
      await unlink(localPath).catch(() => {});
      throw error;
    }
    await file.close();
    const key = hash.digest("hex");
    const target = this.pathOf(key);
    return {
      key,
      size,
      localPath,
      commit: async () => {
        await mkdir(path.dirname(target), { recursive: true });
        await rename(localPath, target);
      },
      discard: async () => {
        await unlink(localPath).catch(ignoreMissing);
      },
    };
  }

  async size(key: string): Promise<number | null> {
    if (!isBlobKey(key)) return null;
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (error) {
      return ignoreMissing(error);
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable | null> {
    if (!isBlobKey(key)) return null;
    try {
      const file = await open(this.pathOf(key), "r");
      return file.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (error) {
      return ignoreMissing(error);
    }
  }

  async delete(key: string): Promise<void> {
    if (!isBlobKey(key)) return;
    await unlink(this.pathOf(key)).catch(ignoreMissing);
  }

  async *list(): AsyncIterable<BlobEntry> {
    for (const prefix of await readdir(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      const folder = path.join(this.root, prefix);
      for (const name of await readdir(folder).catch(() => [] as string[])) {
        if (!isBlobKey(name) || !name.startsWith(prefix)) continue;
        const info = await stat(path.join(folder, name)).catch(() => null);
        if (info) yield { key: name, writtenAt: info.mtime };
      }
    }
  }

  async removeStaleStaging(before: Date): Promise<number> {
    const folder = path.join(this.root, STAGING);
    let removed = 0;
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const file = path.join(folder, name);
      const info = await stat(file).catch(() => null);
      if (info && info.mtime < before) {
        await unlink(file).catch(ignoreMissing);
        removed++;
      }
    }
    return removed;
  }

  private pathOf(key: string): string {
    return path.join(this.root, key.slice(0, 2), key);
  }
}

/** A file that is not there: null (the caller's "none"); anything else is thrown on. */
function ignoreMissing(error: unknown): null {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
  throw error;
}
