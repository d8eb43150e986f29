import { sql } from "kysely";
import type { PolicyRules } from "../../domain/policy/index.ts";
import { audienceDeltas } from "../../postgres/audience-members.ts";
import { appendSystemMessages, type SystemMessageEntry } from "../../postgres/bulk-system-messages.ts";
import type { Db } from "../../postgres/database.ts";
import { deskDeltas } from "../../postgres/desk-members.ts";
import {
  type AppliedMembership,
  applyMembershipDeltas,
  lockConversations,
} from "../../postgres/membership-diff.ts";
import {
  affectedSections,
  type DirectoryScope,
  ensureSectionGroups,
  sectionGroupDeltas,
  staleSectionGroups,
  updateSectionGroups,
} from "../../postgres/section-groups.ts";
import type { ConversationEvent, MembershipChange } from "../../realtime/event-publisher.ts";
import type { ServiceContext } from "../context.ts";

export type { DirectoryScope } from "../../postgres/section-groups.ts";

/** What following the directory changed, to publish once the transaction has committed. */
export interface FollowedDirectory {
  changes: MembershipChange[];
  events: ConversationEvent[];
  /** Conversations whose own facts changed (a section group renamed, frozen or thawed). */
  touched: string[];
}

export const NOTHING_FOLLOWED: FollowedDirectory = Object.freeze({ changes: [], events: [], touched: [] });

/**
 * Brings the conversations that follow the directory in step with it, inside the caller's
 * transaction, for what changed (`scope`): section groups (one per section, its parents' group
 * too when the school has them; renamed with the section, frozen while it is inactive),
 * announcement channels (their audience) and open support conversations (their desk's staff).
 * Set-based SQL: a whole school's sync costs a handful of statements. Section groups get a
 * system message for who joined and left; the big rooms do not.
 */
export async function followDirectory(
  trx: Db,
  rules: PolicyRules,
  scope: DirectoryScope,
): Promise<FollowedDirectory> {
  // The row estimates of tables filled in this very transaction are far off; JIT-compiling
  // these short queries for what the planner thinks are millions of rows costs more than running them.
  await sql`SET LOCAL jit = off`.execute(trx);
  const sections = await affectedSections(trx, scope);
  const created = new Set(await ensureSectionGroups(trx, sections, rules.sections.parentGroups));
  const stale = await staleSectionGroups(trx, sections);
  const sectionDeltas = await sectionGroupDeltas(trx, sections);
  const userScope = { userIds: scope.userIds, conversationIds: null };
  const audience = await audienceDeltas(trx, userScope);
  const desks = await deskDeltas(trx, rules.support.desks, userScope);

  await lockConversations(trx, [
    ...stale.map((g) => g.id),
    ...[...sectionDeltas, ...audience, ...desks].map((d) => d.conversationId),
  ]);
  await updateSectionGroups(trx, stale);
  const sectionChanges = await applyMembershipDeltas(trx, sectionDeltas);
  const audienceChanges = await applyMembershipDeltas(trx, audience);
  const deskChanges = await applyMembershipDeltas(trx, desks);

  // A new group starts with its members and no notice; later comings and goings are told.
  const notices: SystemMessageEntry[] = [];
  for (const change of sectionChanges) {
    if (created.has(change.conversationId)) continue;
    if (change.added.length > 0)
      notices.push({
        conversationId: change.conversationId,
        system: { action: "member.added", actorId: null, userIds: change.added },
      });
    if (change.removed.length > 0)
      notices.push({
        conversationId: change.conversationId,
        system: { action: "member.removed", actorId: null, userIds: change.removed },
      });
  }
  const events = await appendSystemMessages(trx, notices);
  return {
    changes: [
      ...asChanges(sectionChanges, "section"),
      ...asChanges(audienceChanges, "announcement"),
      ...asChanges(deskChanges, "support"),
    ],
    events,
    touched: stale.map((g) => g.id),
  };
}

function asChanges(applied: AppliedMembership[], kind: string): MembershipChange[] {
  return applied
    .filter((a) => a.added.length + a.removed.length > 0)
    .map((a) => ({
      conversationId: a.conversationId,
      conversationKind: kind,
      added: a.added,
      removed: a.removed,
    }));
}

/** Publishes what followDirectory changed; call after the transaction committed. */
export function publishFollowed(ctx: ServiceContext, followed: FollowedDirectory): void {
  for (const id of followed.touched) ctx.policy.forgetConversation(id);
  // Joins first, so the newcomers' connections follow the conversations the notices go to.
  for (const change of followed.changes) ctx.events.membershipChanged(change);
  if (followed.events.length > 0) ctx.events.publish(followed.events);
}
