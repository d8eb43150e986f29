/**
 * The one messaging policy of Hallway: who may message whom, create groups, add members,
 * post, reply, react, join by invite, announce, moderate and supervise. Pure: services load
 * the facts, ask here, and throw `new HallwayError(decision.code, decision.reason)` on a
 * refusal. docs/policy.md describes the rules and their defaults.
 */
export { canAnnounce, canSeeReaders, inAudience, mayAddressRoom } from "./announcements.ts";
export { classOf, describeSelector, type PersonClass, selects } from "./classify.ts";
export { ALLOWED, type Allowed, type Decision, type DenialCode, type Denied, deny } from "./decision.ts";
export { canOpenDirect } from "./direct.ts";
export {
  type AnnouncementAudience,
  type ConversationFacts,
  GROUP_ADMIN,
  MEMBER,
  type MemberFacts,
  type Membership,
  makeConversation,
  makePerson,
  NOT_A_MEMBER,
  type Person,
  type RoleFacts,
  WHOLE_SCHOOL,
} from "./facts.ts";
export {
  canAddMember,
  canCreateGroup,
  canCreateGroupWith,
  canCreateInvite,
  canJoinViaInvite,
  type InviteFacts,
  isSanctionedGroup,
  mayJoinGroup,
  mayShareGroup,
  newGroupFacts,
} from "./groups.ts";
export {
  DEFAULT_POLICY_RULES,
  PolicyRulesError,
  type PolicyRulesIssue,
  parsePolicyRulesJson,
  resolvePolicyRules,
  withOverrides,
} from "./load-rules.ts";
export { canModerate, canPin, canReviewReports, canSanction, checkSlowMode } from "./moderation.ts";
export { canMentionEveryone, canPost, canReact, canReply } from "./posting.ts";
export { canViewPresence, PRESENCE_SHARING_KINDS } from "./presence.ts";
export { isGuardianOf, type Relationship, relationshipBetween } from "./relationship.ts";
export {
  type PolicyOverrides,
  PolicyOverridesSchema,
  type PolicyRules,
  PolicyRulesShape,
  ROLE_CLASS_TOKENS,
  type RoleClassToken,
  RoleSelector,
} from "./rules.ts";
export { canSupervise, involvesStudents, isSupervised } from "./supervision.ts";
export {
  canHandleSupport,
  canOpenSupport,
  canViewSupportQueue,
  isDeskStaff,
} from "./support.ts";
