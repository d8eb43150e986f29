import { describe, expect, it } from "vitest";
import { CFB_HEADER_BYTES, cfbRootClassOffset, formatClassId, installerTypeOfClass } from "./cfb-class.ts";

/** A CFB header with the given sector shift and first directory sector. */
function header(sectorShift: number, firstDirectorySector: number): Uint8Array {
  const bytes = new Uint8Array(CFB_HEADER_BYTES);
  bytes.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  const view = new DataView(bytes.buffer);
  view.setUint16(0x1e, sectorShift, true);
  view.setUint32(0x30, firstDirectorySector, true);
  return bytes;
}

describe("the class of a CFB container", () => {
  it("is found in the root entry of the first directory sector, for 512- and 4096-byte sectors", () => {
    expect(cfbRootClassOffset(header(9, 0))).toBe(512 + 0x50);
    expect(cfbRootClassOffset(header(9, 3))).toBe(4 * 512 + 0x50);
    expect(cfbRootClassOffset(header(12, 1))).toBe(2 * 4096 + 0x50);
  });

  it("is not looked for in what is not a CFB header", () => {
    expect(cfbRootClassOffset(new Uint8Array(CFB_HEADER_BYTES))).toBeNull();
    expect(cfbRootClassOffset(header(9, 0).subarray(0, 100))).toBeNull();
    expect(cfbRootClassOffset(header(7, 0))).toBeNull();
  });

  it("reads as the usual text, and only installers' classes are named", () => {
    // {000C1084-0000-0000-C000-000000000046} as stored: the first three groups little-endian.
    const msi = Uint8Array.from([0x84, 0x10, 0x0c, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]);
    expect(formatClassId(msi)).toBe("000c1084-0000-0000-c000-000000000046");
    expect(installerTypeOfClass(formatClassId(msi))).toBe("application/x-msi");
    // Word 97's class, and the empty class other programs write: not installers.
    expect(installerTypeOfClass("00020906-0000-0000-c000-000000000046")).toBeNull();
    expect(installerTypeOfClass(formatClassId(new Uint8Array(16)))).toBeNull();
  });
});
