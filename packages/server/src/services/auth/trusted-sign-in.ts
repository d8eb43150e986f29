import type { DirectoryUser, Session } from "@hallway/protocol";
import { DirectoryUser as DirectoryUserSchema } from "@hallway/protocol";
import {
  createRemoteJWKSet,
  decodeJwt,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from "jose";
import type { Config } from "../../config.ts";
import { HallwayError } from "../../errors.ts";
import { syncPrimaryMembership } from "../../postgres/primary-group.ts";
import { upsertDirectoryUsers } from "../../postgres/upsert-directory-users.ts";
import { directoryAuditEntries } from "../audit/directory-audit.ts";
import { recordAudit, recordAuditMany } from "../audit/record-audit.ts";
import type { ServiceContext } from "../context.ts";
import { followDirectory, NOTHING_FOLLOWED, publishFollowed } from "../directory/follow-directory.ts";
import { issueSession } from "./issue-session.ts";

/** Verifies school-system JWTs with the configured HS256 secret and/or JWKS URL. */
export class TrustedTokenVerifier {
  private readonly secret?: Uint8Array;
  private readonly jwks?: JWTVerifyGetKey;

  constructor(private readonly config: Config) {
    if (config.HALLWAY_TRUSTED_JWT_SECRET)
      this.secret = new TextEncoder().encode(config.HALLWAY_TRUSTED_JWT_SECRET);
    if (config.HALLWAY_TRUSTED_JWKS_URL)
      this.jwks = createRemoteJWKSet(new URL(config.HALLWAY_TRUSTED_JWKS_URL), { timeoutDuration: 5_000 });
  }

  get enabled(): boolean {
    return Boolean(this.secret || this.jwks);
  }

  async verify(token: string): Promise<JWTPayload> {
    if (!this.enabled)
      throw new HallwayError(
        "TRUSTED_SIGNIN_DISABLED",
        "Sign-in with a school system token is not configured.",
      );
    const options = {
      issuer: this.config.HALLWAY_TRUSTED_ISSUER,
      audience: this.config.HALLWAY_TRUSTED_AUDIENCE,
      requiredClaims: ["sub", "exp"],
      clockTolerance: 30,
    };
    try {
      const alg = JSON.parse(
        Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8") || "{}",
      ).alg;
      if (alg === "HS256" && this.secret)
        return (await jwtVerify(token, this.secret, { ...options, algorithms: ["HS256"] })).payload;
      if ((alg === "RS256" || alg === "ES256") && this.jwks)
        return (await jwtVerify(token, this.jwks, { ...options, algorithms: ["RS256", "ES256"] })).payload;
      throw new HallwayError(
        "TRUSTED_TOKEN_INVALID",
        `Tokens signed with ${typeof alg === "string" ? alg : "no algorithm"} are not accepted here.`,
      );
    } catch (error) {
      if (error instanceof HallwayError) throw error;
      if (error instanceof joseErrors.JWTExpired)
        throw new HallwayError("TRUSTED_TOKEN_EXPIRED", "The school system's token has expired.");
      if (error instanceof joseErrors.JOSEError)
        throw new HallwayError(
          "TRUSTED_TOKEN_INVALID",
          `The school system's token was refused: ${error.code}.`,
        );
      throw new HallwayError("TRUSTED_TOKEN_INVALID", "The school system's token is malformed.");
    }
  }
}

/** Maps a verified token's claims to a directory user; what is missing keeps the stored value. */
function claimsToUser(
  claims: JWTPayload,
  roleClaim: string,
  existing:
    | {
        role: string;
        display_name: string;
        username: string;
        email: string | null;
        avatar_url: string | null;
      }
    | undefined,
): DirectoryUser {
  const text = (name: string) => (typeof claims[name] === "string" ? (claims[name] as string) : undefined);
  const candidate = {
    externalId: claims.sub,
    role: text(roleClaim) ?? existing?.role,
    displayName: text("name") ?? existing?.display_name ?? claims.sub,
    email: text("email") ?? existing?.email ?? undefined,
    username: text("preferred_username") ?? existing?.username,
    avatarUrl: text("picture") ?? existing?.avatar_url ?? undefined,
    active: true,
  };
  const parsed = DirectoryUserSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new HallwayError("TRUSTED_TOKEN_INVALID", "The token's claims do not describe a user.", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return parsed.data;
}

/**
 * Signs in with a JWT from the school system: the user is created or updated from its claims
 * (sub → external id, role, name, email) and gets a Hallway session. A user the school has
 * deactivated through directory sync stays out, whatever the token says.
 */
export async function trustedSignIn(
  ctx: ServiceContext,
  verifier: TrustedTokenVerifier,
  token: string,
  userAgent?: string,
  ip?: string,
): Promise<Session> {
  try {
    return await signInWithToken(ctx, verifier, token, userAgent, ip);
  } catch (error) {
    if (error instanceof HallwayError) await auditFailure(ctx, token, error, ip);
    throw error;
  }
}

/**
 * A refused school-system token is audited (`auth.sign_in_failed`) with the reason; the person
 * is named only when the token was genuine (a deactivated account), never from unverified claims.
 */
async function auditFailure(ctx: ServiceContext, token: string, error: HallwayError, ip?: string) {
  let userId: string | undefined;
  if (error.code === "SESSION_REVOKED") {
    let sub: string | undefined;
    try {
      sub = decodeJwt(token).sub;
    } catch {}
    const user = sub
      ? await ctx.db.selectFrom("users").select("id").where("external_id", "=", sub).executeTakeFirst()
      : undefined;
    userId = user?.id;
  }
  await recordAudit(ctx.db, "anonymous", {
    action: "auth.sign_in_failed",
    targetType: userId ? "user" : undefined,
    targetId: userId,
    details: { method: "trusted", reason: error.code },
    ip,
  });
}

async function signInWithToken(
  ctx: ServiceContext,
  verifier: TrustedTokenVerifier,
  token: string,
  userAgent: string | undefined,
  ip: string | undefined,
): Promise<Session> {
  const claims = await verifier.verify(token);
  const externalId = claims.sub!;
  const { session, membership, followed } = await ctx.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom("users")
      .select(["id", "role", "display_name", "username", "email", "avatar_url", "active"])
      .where("external_id", "=", externalId)
      .executeTakeFirst();
    if (existing && !existing.active)
      throw new HallwayError("SESSION_REVOKED", "This account is deactivated.");
    const user = claimsToUser(claims, ctx.config.HALLWAY_TRUSTED_ROLE_CLAIM, existing);
    const upserted = await upsertDirectoryUsers(trx, [user]).catch((error) => {
      if (error instanceof HallwayError && error.code === "VALIDATION_FAILED") {
        throw new HallwayError("TRUSTED_TOKEN_INVALID", error.message, error.details);
      }
      throw error;
    });
    const userId = upserted.idByExternalId.get(externalId)!;
    // A role the school system's token changed is a role change like a directory sync's.
    await recordAuditMany(trx, { kind: "service" }, directoryAuditEntries(upserted));
    // A new person, or a new role, may put them in announcement audiences and support desks.
    const followed =
      upserted.created + upserted.updated > 0
        ? await followDirectory(trx, ctx.policy.rules, { sectionIds: [], userIds: [userId], studentIds: [] })
        : NOTHING_FOLLOWED;
    const membership = await syncPrimaryMembership(trx, [userId]);
    const session = await issueSession(ctx, userId, "trusted", userAgent, trx);
    await recordAudit(
      trx,
      { kind: "user", userId },
      {
        action: "auth.signed_in",
        targetType: "user",
        targetId: userId,
        details: { method: "trusted" },
        ip,
      },
    );
    return { session, membership, followed };
  });
  if (membership.added.length > 0) ctx.events.membershipChanged(membership);
  if (followed !== NOTHING_FOLLOWED) {
    ctx.policy.forgetPeople([session.user.id]);
    publishFollowed(ctx, followed);
  }
  return session;
}
