import type { UpsertedUsers } from "../../postgres/upsert-directory-users.ts";
import type { AuditEntry } from "./record-audit.ts";

/**
 * What the directory changed that is security-relevant, one audit entry each: a role changed
 * (what a person may do follows it) or an account was deactivated.
 */
export function directoryAuditEntries(
  users: Pick<UpsertedUsers, "roleChanges" | "deactivatedIds">,
): AuditEntry[] {
  return [
    ...users.roleChanges.map((change) => ({
      action: "user.role_changed",
      targetType: "user",
      targetId: change.id,
      details: { from: change.from, to: change.to },
    })),
    ...users.deactivatedIds.map((id) => ({ action: "user.deactivated", targetType: "user", targetId: id })),
  ];
}
