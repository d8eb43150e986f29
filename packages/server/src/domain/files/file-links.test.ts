import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signFileLink, verifyFileLink } from "./file-links.ts";

const secret = Buffer.alloc(32, 7);
const attachmentId = randomUUID();
const now = 1_800_000_000;

function link(overrides: Partial<{ attachmentId: string; variant: string; exp: string; sig: string }> = {}) {
  const claim = { attachmentId, variant: "original" as const, expiresAt: now + 60 };
  return {
    attachmentId,
    variant: "original",
    exp: String(claim.expiresAt),
    sig: signFileLink(secret, claim),
    ...overrides,
  };
}

describe("signed file links", () => {
  it("verify while they live", () => {
    expect(verifyFileLink(secret, link(), now)).toEqual({
      attachmentId,
      variant: "original",
      expiresAt: now + 60,
    });
    expect(verifyFileLink(secret, link(), now + 60)).not.toBeNull();
    expect(verifyFileLink(secret, link(), now + 61)).toBeNull();
  });

  it("are bound to the attachment, the variant, the expiry and the secret", () => {
    expect(verifyFileLink(secret, link({ attachmentId: randomUUID() }), now)).toBeNull();
    expect(verifyFileLink(secret, link({ variant: "thumbnail" }), now)).toBeNull();
    expect(verifyFileLink(secret, link({ exp: String(now + 3600) }), now)).toBeNull();
    expect(verifyFileLink(Buffer.alloc(32, 8), link(), now)).toBeNull();
  });

  it("refuse every malformed part without throwing", () => {
    const good = link();
    for (const bad of [
      { attachmentId: "x" },
      { variant: "../original" },
      { exp: "-1" },
      { exp: "1e9" },
      { exp: "9".repeat(30) },
      { sig: `${good.sig}=` },
      { sig: good.sig.slice(1) },
      { sig: "" },
      { sig: undefined },
      { exp: undefined },
    ])
      expect(verifyFileLink(secret, { ...good, ...bad }, now)).toBeNull();
  });
});
