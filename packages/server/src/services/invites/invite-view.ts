import type { Invite } from "@hallway/protocol";
import type { Selectable } from "kysely";
import type { InvitesTable } from "../../postgres/schema.ts";

type InviteRow = Selectable<InvitesTable>;

/** The link that joins: the web app opens `#/invite/<code>` and joins after sign-in. */
export function inviteUrl(baseUrl: string, code: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/#/invite/${code}`;
}

/** Why an invite no longer lets anyone in, or null while it does. */
export function inviteProblem(
  row: Pick<InviteRow, "revoked_at" | "expires_at" | "max_uses" | "uses">,
  now = Date.now(),
): "revoked" | "expired" | "used_up" | null {
  if (row.revoked_at) return "revoked";
  if (row.expires_at.getTime() <= now) return "expired";
  if (row.max_uses !== null && row.uses >= row.max_uses) return "used_up";
  return null;
}

export function toInvite(row: InviteRow, baseUrl: string): Invite {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    code: row.code,
    url: inviteUrl(baseUrl, row.code),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    maxUses: row.max_uses,
    uses: row.uses,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    status: inviteProblem(row) ?? "active",
  };
}
