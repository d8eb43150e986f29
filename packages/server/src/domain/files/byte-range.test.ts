import { describe, expect, it } from "vitest";
import { parseByteRange } from "./byte-range.ts";

describe("parseByteRange", () => {
  it("reads one range: closed, open-ended, or the last bytes; clipped to the file", () => {
    expect(parseByteRange("bytes=0-99", 1000)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange("bytes=900-", 1000)).toEqual({ start: 900, end: 999 });
    expect(parseByteRange("bytes=-100", 1000)).toEqual({ start: 900, end: 999 });
    expect(parseByteRange("bytes=-5000", 1000)).toEqual({ start: 0, end: 999 });
    expect(parseByteRange("bytes=990-5000", 1000)).toEqual({ start: 990, end: 999 });
  });

  it("sends the whole file for anything else", () => {
    for (const header of [
      undefined,
      "",
      "bytes=",
      "bytes=-",
      "bytes=1000-",
      "bytes=5-4",
      "bytes=0-1,5-6",
      "items=0-1",
      "bytes=-0",
      "bytes=a-b",
    ])
      expect(parseByteRange(header, 1000)).toBeNull();
    expect(parseByteRange("bytes=0-0", 0)).toBeNull();
  });
});
