import type { ErrorCode } from "@hallway/protocol";

/** The error codes a refusal may carry; each is in the protocol's catalogue. */
export type DenialCode = Extract<
  ErrorCode,
  "FORBIDDEN" | "CONVERSATION_NOT_FOUND" | "CONVERSATION_KIND_MISMATCH" | "SELF_CONVERSATION" | "RATE_LIMITED"
>;

export interface Allowed {
  readonly allowed: true;
}

/**
 * A refusal. `reason` is one sentence safe to show the person refused; `rule` names the rule
 * (a path in the rules object, or `invariant.*` for what no school can switch off) for logs
 * and the audit trail; `code` is the catalogue code a service throws with.
 */
export interface Denied {
  readonly allowed: false;
  readonly code: DenialCode;
  readonly rule: string;
  readonly reason: string;
  /** Only with RATE_LIMITED: seconds until the action is allowed. */
  readonly retryAfterSeconds?: number;
}

/** Every policy question is answered with a Decision; none throws. */
export type Decision = Allowed | Denied;

export const ALLOWED: Allowed = Object.freeze({ allowed: true });

export function deny(rule: string, reason: string, code: DenialCode = "FORBIDDEN"): Denied {
  return Object.freeze({ allowed: false, code, rule, reason });
}

/** Conversations a person may not see look like conversations that do not exist. */
export function notFound(): Denied {
  return deny("membership", "No such conversation, or you are not a member of it.", "CONVERSATION_NOT_FOUND");
}
