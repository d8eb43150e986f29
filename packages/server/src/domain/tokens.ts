import { createHash, randomBytes } from "node:crypto";

/** Prefixes make a leaked token recognisable (secret scanners) and tell the two kinds apart. */
export const ACCESS_PREFIX = "hwa_";
export const REFRESH_PREFIX = "hwr_";

/** A new random opaque token with the given prefix: 256 bits of entropy. */
export function newToken(prefix: string): string {
  return prefix + randomBytes(32).toString("base64url");
}

/** What the database stores for a token: its SHA-256. */
export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}
