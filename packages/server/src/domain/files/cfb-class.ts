/**
 * The class of a Compound File Binary container (Office 97–2003 files, Windows installers): the
 * CLSID of its root storage. The container format alone cannot tell a .doc from an .msi; the
 * root's class can, and an installer's is fixed, so an installer renamed to .doc is caught.
 * (Office files written by other programs often leave the class empty, so only installers'
 * classes are refused, never the absence of Office's.)
 */

const SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** The header's size: what to read first. */
export const CFB_HEADER_BYTES = 512;

/** Where the root entry's 16-byte CLSID is, from the container's header; null if it is not CFB. */
export function cfbRootClassOffset(header: Uint8Array): number | null {
  if (header.length < CFB_HEADER_BYTES || SIGNATURE.some((byte, i) => header[i] !== byte)) return null;
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const sectorShift = view.getUint16(0x1e, true);
  if (sectorShift !== 9 && sectorShift !== 12) return null;
  const firstDirectorySector = view.getUint32(0x30, true);
  // Sector n starts after the header's sector; the root is the directory's first entry.
  return (firstDirectorySector + 1) * 2 ** sectorShift + 0x50;
}

/** A CLSID's 16 bytes as the usual lower-case text (its first three groups are little-endian). */
export function formatClassId(bytes: Uint8Array): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Array.from(bytes.subarray(from, to), (b) => b.toString(16).padStart(2, "0"));
    return (reverse ? part.reverse() : part).join("");
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join("-");
}

/** Windows Installer packages, patches and transforms. */
const INSTALLER_CLASSES: Record<string, string> = {
  "000c1084-0000-0000-c000-000000000046": "application/x-msi",
  "000c1086-0000-0000-c000-000000000046": "application/x-ms-patch",
  "000c1082-0000-0000-c000-000000000046": "application/x-ms-transform",
};

/** The media type of an installer's root class, or null for any other class. */
export function installerTypeOfClass(classId: string): string | null {
  return INSTALLER_CLASSES[classId] ?? null;
}
