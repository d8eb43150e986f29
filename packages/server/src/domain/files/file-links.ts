import { createHmac, timingSafeEqual } from "node:crypto";

/** The two things a download link can fetch: the file as uploaded, or an image's preview. */
export const FILE_VARIANTS = ["original", "thumbnail"] as const;
export type FileVariant = (typeof FILE_VARIANTS)[number];

/** What a signed link names: one variant of one attachment, until a moment (Unix seconds). */
export interface FileLinkClaim {
  attachmentId: string;
  variant: FileVariant;
  expiresAt: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function mac(secret: Uint8Array, claim: FileLinkClaim): Buffer {
  return createHmac("sha256", secret)
    .update(`hallway-file-link-v1\n${claim.attachmentId}\n${claim.variant}\n${claim.expiresAt}`)
    .digest();
}

/** The signature of a claim: HMAC-SHA256 with the server's secret, base64url. */
export function signFileLink(secret: Uint8Array, claim: FileLinkClaim): string {
  return mac(secret, claim).toString("base64url");
}

/**
 * The claim of a link's parts when Hallway signed exactly these and it has not expired; null
 * for anything else (malformed, altered, another variant, expired). Constant-time comparison.
 */
export function verifyFileLink(
  secret: Uint8Array,
  parts: { attachmentId: string; variant: string; exp?: string; sig?: string },
  nowSeconds: number,
): FileLinkClaim | null {
  const { attachmentId, variant, exp, sig } = parts;
  if (!UUID.test(attachmentId) || !(FILE_VARIANTS as readonly string[]).includes(variant)) return null;
  if (exp === undefined || !/^\d{1,12}$/.test(exp) || sig === undefined || !/^[\w-]{43}$/.test(sig))
    return null;
  const claim: FileLinkClaim = {
    attachmentId,
    variant: variant as FileVariant,
    expiresAt: Number(exp),
  };
  // Compared as text: only the one canonical encoding of the signature is accepted.
  const given = Buffer.from(sig, "latin1");
  const expected = Buffer.from(mac(secret, claim).toString("base64url"), "latin1");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return claim.expiresAt >= nowSeconds ? claim : null;
}
