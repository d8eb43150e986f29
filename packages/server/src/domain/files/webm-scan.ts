/**
 * A small reader of WebM (Matroska) files for what an upload needs: which kinds of tracks the
 * file has, and how long it plays. Browsers' MediaRecorder writes WebM as it records, so its
 * Segment and Clusters have "unknown size" and there is no Duration element; general parsers
 * (music-metadata among them) give up on such files. This one walks the elements, stepping into
 * Clusters of unknown size, and takes the duration from the Duration element when there is one,
 * otherwise from the last block's timestamp.
 */

/** Random access to the file's bytes (the service reads them from disk in windows). */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Promise<Uint8Array>;
}

export interface WebmScan {
  hasAudio: boolean;
  hasVideo: boolean;
  durationMs: number | null;
}

const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackType: 0x83,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
} as const;

/** Elements a Cluster may hold; anything else ends a Cluster of unknown size. */
const CLUSTER_CHILDREN = new Set([
  ID.Timecode,
  ID.SimpleBlock,
  ID.BlockGroup,
  0xa7,
  0xab,
  0x5854,
  0xaf,
  0xec,
]);

/** Enough for hours of audio; bounds the work a crafted file can cause. */
const MAX_ELEMENTS = 2_000_000;
/** Info and Tracks are read whole; real ones are a few hundred bytes. */
const MAX_HEADER_ELEMENT = 1024 * 1024;

interface Header {
  id: number;
  /** null: unknown size (runs to the end of its parent). */
  size: number | null;
  /** Where the element's content starts. */
  start: number;
}

/** Reads a variable-length integer: its value, its length, and whether all its bits were ones. */
function vint(
  bytes: Uint8Array,
  at: number,
  keepMarker: boolean,
): { value: number; length: number; allOnes: boolean } | null {
  const first = bytes[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (length > 8 || at + length > bytes.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = bytes[at + i]!;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return { value, length, allOnes: allOnes && !keepMarker };
}

async function header(source: ByteSource, position: number): Promise<Header | null> {
  const bytes = await source.read(position, 12);
  const id = vint(bytes, 0, true);
  if (!id || id.length > 4) return null;
  const size = vint(bytes, id.length, false);
  if (!size) return null;
  return { id: id.value, size: size.allOnes ? null : size.value, start: position + id.length + size.length };
}

function uint(bytes: Uint8Array): number {
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  return value;
}

function float(bytes: Uint8Array): number | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length === 4) return view.getFloat32(0);
  if (bytes.length === 8) return view.getFloat64(0);
  return null;
}

/** The children of an element whose bytes are in memory. */
function* children(bytes: Uint8Array): Generator<{ id: number; content: Uint8Array }> {
  let at = 0;
  while (at < bytes.length) {
    const id = vint(bytes, at, true);
    if (!id) return;
    const size = vint(bytes, at + id.length, false);
    if (!size || size.allOnes) return;
    const start = at + id.length + size.length;
    if (start + size.value > bytes.length) return;
    yield { id: id.value, content: bytes.subarray(start, start + size.value) };
    at = start + size.value;
  }
}

/** Scans a WebM file; null when it is not one this reader understands. */
export async function scanWebm(source: ByteSource): Promise<WebmScan | null> {
  const ebml = await header(source, 0);
  if (!ebml || ebml.id !== ID.EBML || ebml.size === null) return null;
  const segment = await header(source, ebml.start + ebml.size);
  if (!segment || segment.id !== ID.Segment) return null;
  const segmentEnd =
    segment.size === null ? source.size : Math.min(source.size, segment.start + segment.size);

  let timecodeScale = 1_000_000;
  let declaredDuration: number | null = null;
  const trackTypes: number[] = [];
  let clusterTime = 0;
  let lastBlockTime: number | null = null;
  let inCluster = false;
  /** A Cluster of unknown size ends at the first element that cannot be in a Cluster. */
  let clusterEnd: number | null = null;
  let elements = 0;

  let position = segment.start;
  while (position < segmentEnd && elements++ < MAX_ELEMENTS) {
    if (inCluster && clusterEnd !== null && position >= clusterEnd) inCluster = false;
    const element = await header(source, position);
    if (!element) break;
    if (inCluster && clusterEnd === null && !CLUSTER_CHILDREN.has(element.id)) inCluster = false;

    if (element.id === ID.Cluster) {
      inCluster = true;
      clusterTime = 0;
      clusterEnd = element.size === null ? null : element.start + element.size;
      position = element.start;
      continue;
    }
    if (element.size === null) break;
    const end = element.start + element.size;

    if (inCluster && element.id === ID.Timecode) {
      clusterTime = uint(await source.read(element.start, Math.min(element.size, 8)));
    } else if (inCluster && element.id === ID.SimpleBlock) {
      lastBlockTime = blockTime(await source.read(element.start, 12), clusterTime) ?? lastBlockTime;
    } else if (inCluster && element.id === ID.BlockGroup && element.size <= MAX_HEADER_ELEMENT) {
      for (const child of children(await source.read(element.start, element.size)))
        if (child.id === ID.Block) lastBlockTime = blockTime(child.content, clusterTime) ?? lastBlockTime;
    } else if (element.id === ID.Info && element.size <= MAX_HEADER_ELEMENT) {
      for (const child of children(await source.read(element.start, element.size))) {
        if (child.id === ID.TimecodeScale) timecodeScale = uint(child.content) || timecodeScale;
        if (child.id === ID.Duration) declaredDuration = float(child.content);
      }
    } else if (element.id === ID.Tracks && element.size <= MAX_HEADER_ELEMENT) {
      for (const entry of children(await source.read(element.start, element.size)))
        if (entry.id === ID.TrackEntry)
          for (const field of children(entry.content))
            if (field.id === ID.TrackType) trackTypes.push(uint(field.content));
    }
    position = end;
  }

  if (trackTypes.length === 0) return null;
  const ticks =
    declaredDuration !== null && Number.isFinite(declaredDuration) && declaredDuration > 0
      ? declaredDuration
      : lastBlockTime;
  const durationMs = ticks === null ? null : Math.round((ticks * timecodeScale) / 1_000_000);
  return {
    hasAudio: trackTypes.includes(2),
    hasVideo: trackTypes.includes(1),
    durationMs: durationMs !== null && durationMs >= 0 ? durationMs : null,
  };
}

/** A block's time: its cluster's time plus the signed 16-bit offset after the track number. */
function blockTime(bytes: Uint8Array, clusterTime: number): number | null {
  const track = vint(bytes, 0, false);
  if (!track || bytes.length < track.length + 2) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return clusterTime + view.getInt16(track.length);
}
