import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ByteSource, scanWebm } from "./webm-scan.ts";

/** An EBML element: its id bytes, its size as a vint (or "unknown"), its content. */
function el(
  id: number[],
  content: Uint8Array | number[] = [],
  size: "known" | "unknown" = "known",
): Uint8Array {
  const body = Uint8Array.from(content);
  const sizeBytes =
    size === "unknown"
      ? [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
      : [
          0x10 | ((body.length >> 24) & 0x0f),
          (body.length >> 16) & 0xff,
          (body.length >> 8) & 0xff,
          body.length & 0xff,
        ];
  return Uint8Array.from([...id, ...sizeBytes, ...body]);
}
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const u = (value: number, bytes = 1) =>
  Array.from({ length: bytes }, (_, i) => (value >> (8 * (bytes - 1 - i))) & 0xff);
const f64 = (value: number) => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value);
  return bytes;
};

const EBML = el([0x1a, 0x45, 0xdf, 0xa3], el([0x42, 0x82], [...Buffer.from("webm")]));
const info = (duration?: number) =>
  el(
    [0x15, 0x49, 0xa9, 0x66],
    cat(el([0x2a, 0xd7, 0xb1], u(1_000_000, 3)), ...(duration ? [el([0x44, 0x89], f64(duration))] : [])),
  );
const tracks = (...types: number[]) =>
  el(
    [0x16, 0x54, 0xae, 0x6b],
    cat(...types.map((t, i) => el([0xae], cat(el([0xd7], [i + 1]), el([0x83], [t]))))),
  );
const block = (offset: number) => el([0xa3], [0x81, ...u(offset & 0xffff, 2), 0x80, 0xfc, 0xff]);
const cluster = (time: number, offsets: number[], size: "known" | "unknown" = "unknown") =>
  el([0x1f, 0x43, 0xb6, 0x75], cat(el([0xe7], u(time, 2)), ...offsets.map(block)), size);
const segment = (children: Uint8Array[], size: "known" | "unknown" = "unknown") =>
  el([0x18, 0x53, 0x80, 0x67], cat(...children), size);

function source(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (position, length) => bytes.subarray(position, position + length),
  };
}

describe("scanWebm", () => {
  it("reads a recording as a browser writes it: unknown sizes, no Duration, the last block's time", async () => {
    const file = cat(EBML, segment([info(), tracks(2), cluster(0, [0, 20, 40]), cluster(1000, [0, 960])]));
    expect(await scanWebm(source(file))).toEqual({ hasAudio: true, hasVideo: false, durationMs: 1960 });
  });

  it("prefers the Duration element when the file has one, and sees video tracks", async () => {
    const file = cat(EBML, segment([info(2500), tracks(1, 2), cluster(0, [0, 33], "known")], "known"));
    expect(await scanWebm(source(file))).toEqual({ hasAudio: true, hasVideo: true, durationMs: 2500 });
  });

  it("ends a cluster of unknown size at the first element a cluster cannot hold", async () => {
    const cues = el([0x1c, 0x53, 0xbb, 0x6b], [1, 2, 3]);
    const file = cat(EBML, segment([info(), tracks(2), cluster(0, [0, 500]), cues, cluster(2000, [10])]));
    expect((await scanWebm(source(file)))?.durationMs).toBe(2010);
  });

  it("answers null for what is not WebM, or has no tracks", async () => {
    expect(await scanWebm(source(new Uint8Array(0)))).toBeNull();
    expect(await scanWebm(source(Uint8Array.from(Buffer.from("RIFF....WAVE"))))).toBeNull();
    expect(await scanWebm(source(cat(EBML, segment([info(), cluster(0, [0])]))))).toBeNull();
  });

  it("never throws on damaged files (property)", async () => {
    const file = cat(EBML, segment([info(), tracks(2), cluster(0, [0, 20]), cluster(1000, [5])]));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(file.length),
        async (edits, cut) => {
          const damaged = Uint8Array.from(file.subarray(0, Math.max(cut, 1)));
          for (const [at, value] of edits) if (at < damaged.length) damaged[at] = value;
          const scan = await scanWebm(source(damaged));
          if (scan) expect(scan.durationMs === null || scan.durationMs >= 0).toBe(true);
        },
      ),
    );
  });
});
