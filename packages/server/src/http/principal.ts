import type { FastifyRequest } from "fastify";
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
