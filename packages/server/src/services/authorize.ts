import { HallwayError } from "../errors.ts";
import type { Principal, UserPrincipal } from "./context.ts";

/** The caller must be a signed-in user (not the school system's service token). */
export function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== "user")
    throw new HallwayError("FORBIDDEN", "This endpoint is for signed-in users, not the service token.");
  return principal;
}

/** The caller must be a Hallway admin. */
export function requireAdmin(principal: Principal): UserPrincipal {
  const user = requireUser(principal);
  if (user.role !== "admin") throw new HallwayError("FORBIDDEN", "Only admins may do this.");
  return user;
}

/** The caller must be an admin or the school system (service token). */
export function requireAdminOrService(principal: Principal): Principal {
  if (principal.kind === "service") return principal;
  return requireAdmin(principal);
}
