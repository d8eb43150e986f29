import type { Audience, ConversationSummary } from "@hallway/protocol";
import { canAnnounce } from "../../domain/policy/index.ts";
import { HallwayError } from "../../errors.ts";
import { audienceDeltas } from "../../postgres/audience-members.ts";
import type { Db } from "../../postgres/database.ts";
import { applyMembershipDeltas } from "../../postgres/membership-diff.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { getConversation } from "../conversations/get-conversations.ts";

/**
 * Creates an announcement channel for an audience (everyone, some roles, some sections). Only
 * those the policy lets announce to that audience may: the school-wide announcers anywhere,
 * teachers to the sections they teach. The author runs the channel; its members are the
 * audience, kept in step with the directory from then on.
 */
export async function createAnnouncement(
  ctx: ServiceContext,
  principal: Principal,
  input: { name: string; audience: Audience },
): Promise<ConversationSummary> {
  const me = requireUser(principal);
  const audience: Audience = {
    roles: input.audience.roles ? [...new Set(input.audience.roles)] : null,
    sectionIds: input.audience.sectionIds ? [...new Set(input.audience.sectionIds)] : null,
  };
  const actor = await ctx.policy.person(me.userId);
  ctx.policy.require(canAnnounce(ctx.policy.rules, actor, audience), {
    actorId: me.userId,
    action: "announcement.create",
  });
  await requireKnownAudience(ctx.db, audience);
  const { conversationId, added } = await ctx.db.transaction().execute(async (trx) => {
    const conversation = await trx
      .insertInto("conversations")
      .values({
        kind: "announcement",
        name: input.name.trim(),
        created_by: me.userId,
        direct_key: null,
        section_id: null,
        audience: JSON.stringify(audience),
        support_desk: null,
        support_requester_id: null,
        support_status: null,
        support_claimed_by: null,
        support_resolved_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("members")
      .values({ conversation_id: conversation.id, user_id: me.userId, role: "admin", left_at: null })
      .execute();
    await recordAudit(trx, principal, {
      action: "announcement.created",
      targetType: "conversation",
      targetId: conversation.id,
      details: { audience },
    });
    const deltas = await audienceDeltas(trx, { userIds: null, conversationIds: [conversation.id] });
    const [applied] = await applyMembershipDeltas(trx, deltas);
    return { conversationId: conversation.id, added: applied?.added ?? [] };
  });
  ctx.events.membershipChanged({
    conversationId,
    conversationKind: "announcement",
    added: [me.userId, ...added],
    removed: [],
  });
  return getConversation(ctx, principal, conversationId);
}

/** Every role and section an audience names must exist. */
async function requireKnownAudience(db: Db, audience: Audience): Promise<void> {
  const issues: { path: string; message: string }[] = [];
  if (audience.roles) {
    const found = new Set(
      (await db.selectFrom("roles").select("name").where("name", "in", audience.roles).execute()).map(
        (r) => r.name,
      ),
    );
    for (const [i, role] of audience.roles.entries())
      if (!found.has(role)) issues.push({ path: `audience.roles.${i}`, message: `unknown role "${role}"` });
  }
  if (audience.sectionIds) {
    const found = new Set(
      (await db.selectFrom("sections").select("id").where("id", "in", audience.sectionIds).execute()).map(
        (r) => r.id,
      ),
    );
    for (const [i, id] of audience.sectionIds.entries())
      if (!found.has(id)) issues.push({ path: `audience.sectionIds.${i}`, message: "unknown section" });
  }
  if (issues.length > 0)
    throw new HallwayError("VALIDATION_FAILED", "The audience names roles or sections that do not exist.", {
      issues,
    });
}
