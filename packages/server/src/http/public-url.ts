import type { FastifyRequest } from "fastify";

/**
 * Where people reach this server, for links Hallway hands out (invites): PUBLIC_URL when set,
 * otherwise the scheme and host the request came in on.
 */
export function publicBaseUrl(config: { PUBLIC_URL?: string }, request: FastifyRequest): string {
  return config.PUBLIC_URL ?? `${request.protocol}://${request.host}`;
}
