import type { Readable } from "node:stream";

/** A byte range of a blob, both ends included (as in HTTP `Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  end: number;
}

/** A blob as a listing shows it. */
export interface BlobEntry {
  key: string;
  /** When the blob was last written; the orphan sweep leaves very recent ones alone. */
  writtenAt: Date;
}

/**
 * Where the bytes of uploaded files live: content-addressed blobs, each named by the SHA-256
 * (lower-case hex) of its bytes, so identical bytes are stored once and a blob never changes.
 *
 * A blob is written in two steps: `stage` streams the bytes somewhere private while hashing
 * them, and `commit` makes them visible under their key. The caller decides in between (type
 * detection, limits, the database row) and discards what it does not keep. When a blob may be
 * deleted (no attachment refers to it) is the database's to say, not the store's: see
 * postgres/blob-references.ts.
 *
 * The interface is small on purpose: an S3-compatible store implements it with a local staging
 * file, `PutObject` on commit (skipped when `HeadObject` finds the key), `GetObject` with a
 * `Range` header, `DeleteObject` and `ListObjectsV2`.
 */
export interface BlobStore {
  /**
   * Streams bytes into staging, hashing and counting them. When the source fails, the staged
   * bytes are removed and the source's error is thrown as it is.
   */
  stage(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StagedBlob>;
  /** The blob's size in bytes, or null when no blob has this key. */
  size(key: string): Promise<number | null>;
  /** The blob's bytes, or a range of them; null when no blob has this key. */
  read(key: string, range?: ByteRange): Promise<Readable | null>;
  /** Removes a blob; removing one that is not there is no error. */
  delete(key: string): Promise<void>;
  /** Every committed blob (order unspecified). */
  list(): AsyncIterable<BlobEntry>;
  /** Removes staged bytes older than `before` that were never committed or discarded (a crash); returns how many. */
  removeStaleStaging(before: Date): Promise<number>;
}

/** Bytes staged by `BlobStore.stage`, not yet visible under their key. */
export interface StagedBlob {
  /** The SHA-256 of the bytes, lower-case hex: the key they will have. */
  readonly key: string;
  readonly size: number;
  /** A local file holding the bytes while they are staged, for inspection (type, pixels, duration). */
  readonly localPath: string;
  /** Makes the bytes visible under `key`. A blob already there has the same bytes and stays. */
  commit(): Promise<void>;
  /** Removes the staged copy (after a commit there is none left). Safe to call more than once. */
  discard(): Promise<void>;
}

/** Whether a string can be a blob key (64 lower-case hex digits), so no key ever names a path. */
export function isBlobKey(key: string): boolean {
  return /^[0-9a-f]{64}$/.test(key);
}
