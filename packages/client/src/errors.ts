/** An error from the server (with its catalogue code) or from the client itself. */
export class HallwayClientError extends Error {
  constructor(
    /** A code from the server's error catalogue, or CLIENT_TIMEOUT / CLIENT_DISCONNECTED / CLIENT_CLOSED. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** The HTTP status, for REST errors. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "HallwayClientError";
  }
}

/** Errors after which the same send can be tried again (the client id keeps it landing once). */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof HallwayClientError)) return true;
  return [
    "CLIENT_TIMEOUT",
    "CLIENT_DISCONNECTED",
    "RATE_LIMITED",
    "INTERNAL",
    "SERVICE_UNAVAILABLE",
  ].includes(error.code);
}
