import { ERROR_CODES } from "@hallway/protocol";
import { z } from "zod";

/** The error body, for the OpenAPI document. */
export const ErrorResponse = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES as [string, ...string[]]),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

/** The usual error responses of an authenticated endpoint, for the OpenAPI document. */
export const AUTHED_ERRORS = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
} as const;

export const SECURITY = [{ bearer: [] }];
