import type { ErrorCode } from "@hallway/protocol";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { HallwayError } from "../errors.ts";

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "MALFORMED_JSON",
  FST_ERR_CTP_EMPTY_JSON_BODY: "MALFORMED_JSON",
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "VALIDATION_FAILED",
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: "VALIDATION_FAILED",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "ROUTE_NOT_FOUND",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

/**
 * Turns anything thrown into the one error body. Caller mistakes keep their 4xx and get a
 * catalogue code; anything unexpected becomes INTERNAL, logged, with no internals sent.
 */
export function toHallwayError(error: FastifyError | Error): HallwayError {
  if (error instanceof HallwayError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => ({
      path: `${error.validationContext ?? "body"}${v.instancePath.replaceAll("/", ".")}`,
      message: v.message ?? "invalid",
    }));
    return new HallwayError(
      "VALIDATION_FAILED",
      `Invalid ${error.validationContext ?? "request"}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
      { issues },
    );
  }
  const fastifyError = error as FastifyError;
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new HallwayError(mapped, error.message);
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500)
    return new HallwayError(BY_STATUS[status] ?? "VALIDATION_FAILED", error.message);
  return new HallwayError("INTERNAL", "Something went wrong on our side; it has been logged.");
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const hallwayError = toHallwayError(error);
  if (hallwayError.code === "INTERNAL") request.log.error({ err: error }, "unhandled error");
  const retryAfter = (hallwayError.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof retryAfter === "number") reply.header("retry-after", String(retryAfter));
  return reply.status(hallwayError.status).send(hallwayError.toBody());
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const error = new HallwayError(
    "ROUTE_NOT_FOUND",
    `No endpoint at ${request.method} ${request.url.split("?")[0]}.`,
  );
  return reply.status(404).send(error.toBody());
}
