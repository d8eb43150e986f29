import { RefreshBody, Session, SignInBody, TrustedSignInBody, UserAccount } from "@hallway/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { refreshSession } from "../../services/auth/refresh-session.ts";
import { signIn } from "../../services/auth/sign-in.ts";
import { signOut } from "../../services/auth/sign-out.ts";
import { type TrustedTokenVerifier, trustedSignIn } from "../../services/auth/trusted-sign-in.ts";
import { requireUser } from "../../services/authorize.ts";
import type { ServiceContext } from "../../services/context.ts";
import { getMe } from "../../services/users/find-users.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

/**
 * Password attempts per username and address a minute: enough for a person who mistypes, too
 * few for guessing. Keyed by username too because a whole classroom often shares one address.
 */
const PASSWORD_SIGN_IN_RATE = {
  max: 10,
  timeWindow: "1 minute",
  keyGenerator: (request: FastifyRequest) => {
    const username = (request.body as { username?: unknown } | undefined)?.username;
    return `${request.ip}|${typeof username === "string" ? username.trim().toLowerCase() : ""}`;
  },
};

/**
 * School-system sign-ins per address a minute. The token is verified cryptographically, so this
 * only caps the work; a school system exchanging tokens for many users from one backend fits.
 */
const TRUSTED_SIGN_IN_RATE = { max: 1_200, timeWindow: "1 minute" };

export function authRoutes(ctx: ServiceContext, verifier: TrustedTokenVerifier): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    const tags = ["auth"];
    app.post(
      "/auth/sign-in",
      {
        config: { rateLimit: PASSWORD_SIGN_IN_RATE },
        schema: {
          tags,
          summary: "Sign in with a Hallway username (or email) and password",
          body: SignInBody,
          response: { 200: Session, 400: ErrorResponse, 401: ErrorResponse },
        },
      },
      (request) => signIn(ctx, request.body, request.headers["user-agent"], request.ip),
    );
    app.post(
      "/auth/trusted",
      {
        config: { rateLimit: TRUSTED_SIGN_IN_RATE },
        schema: {
          tags,
          summary: "Sign in with a JWT issued by the school system",
          description:
            "The user is created or updated from the token's claims: `sub` (external id), the role claim, `name`, `email`, `preferred_username`, `picture`.",
          body: TrustedSignInBody,
          response: { 200: Session, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
        },
      },
      (request) =>
        trustedSignIn(ctx, verifier, request.body.token, request.headers["user-agent"], request.ip),
    );
    app.post(
      "/auth/refresh",
      {
        schema: {
          tags,
          summary: "Trade a refresh token for a new session (each refresh token works once)",
          body: RefreshBody,
          response: { 200: Session, 400: ErrorResponse, 401: ErrorResponse },
        },
      },
      (request) => refreshSession(ctx, request.body.refreshToken, request.headers["user-agent"]),
    );
    app.post(
      "/auth/sign-out",
      {
        schema: {
          tags,
          summary: "End this session",
          security: SECURITY,
          response: { 204: z.null(), ...AUTHED_ERRORS },
        },
      },
      async (request, reply) => {
        await signOut(ctx, requireUser(await principalOf(ctx, request)), request.ip);
        return reply.status(204).send(null);
      },
    );
    app.get(
      "/me",
      {
        schema: {
          tags: ["users"],
          summary: "The signed-in user's account",
          security: SECURITY,
          response: { 200: UserAccount, ...AUTHED_ERRORS },
        },
      },
      async (request) => getMe(ctx, await principalOf(ctx, request)),
    );
  };
}
