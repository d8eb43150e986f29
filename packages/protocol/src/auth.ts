import { z } from "zod";
import { CONTROL_CHARACTERS, IsoDate } from "./common.ts";
import { UserAccount } from "./users.ts";

export const SignInBody = z.strictObject({
  /** A username or an email address; never control characters (PostgreSQL refuses NUL in text). */
  username: z
    .string()
    .min(1)
    .max(254)
    .refine((s) => !CONTROL_CHARACTERS.test(s), "must not contain control characters"),
  password: z.string().min(1).max(256),
});

export const RefreshBody = z.strictObject({ refreshToken: z.string().min(1).max(256) });

/** Exchange a JWT issued by the school's own system for a Hallway session. */
export const TrustedSignInBody = z.strictObject({ token: z.string().min(1).max(16_384) });

/**
 * A Hallway session. The access token goes in `Authorization: Bearer …` (and in the
 * WebSocket's `token` query parameter); the refresh token buys a new pair before the access
 * token expires. Both are opaque: only their hashes are stored.
 */
export const Session = z.object({
  accessToken: z.string(),
  accessTokenExpiresAt: IsoDate,
  refreshToken: z.string(),
  refreshTokenExpiresAt: IsoDate,
  user: UserAccount,
});
export type Session = z.infer<typeof Session>;
