import type { FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import { authenticate } from "../services/auth/authenticate.ts";
import type { Principal, ServiceContext } from "../services/context.ts";

const cache = new WeakMap<FastifyRequest, Promise<Principal>>();

/** The bearer token of a request, from `Authorization: Bearer …`. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Authenticates a request once, however many times a handler asks. */
export function principalOf(ctx: ServiceContext, request: FastifyRequest): Promise<Principal> {
  let principal = cache.get(request);
  if (!principal) {
    principal = authenticate(ctx, bearerToken(request));
    cache.set(request, principal);
  }
  return principal;
}

/**
 * An onRequest hook for a route plugin: a route that declares bearer security authenticates
 * before its body is read, so a caller without a valid session gets 401 whatever they send, and
 * a stranger cannot make the server parse and validate a large body (32 MB on directory sync).
 */
export function authenticateFirst(ctx: ServiceContext): onRequestAsyncHookHandler {
  return async (request) => {
    if (request.routeOptions.schema?.security) await principalOf(ctx, request);
  };
}
