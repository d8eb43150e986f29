import { classOf, describeSelector, onlyMay, type PersonClass, selects } from "./classify.ts";
import { ALLOWED, type Decision, type Denied, deny } from "./decision.ts";
import { canOpenDirect } from "./direct.ts";
import {
  type ConversationFacts,
  GROUP_ADMIN,
  type MemberFacts,
  type Membership,
  type Person,
} from "./facts.ts";
import { isGuardianOf } from "./relationship.ts";
import type { PolicyRules } from "./rules.ts";

const KIND_LABELS: Readonly<Record<ConversationFacts["kind"], string>> = {
  direct: "a direct conversation",
  group: "a group",
  section: "a section group",
  primary: "the school-wide group",
  support: "a support conversation",
  announcement: "an announcement channel",
};

const PLURAL: Readonly<Record<PersonClass, string>> = {
  staff: "Staff",
  student: "Students",
  parent: "Parents",
  other: "People in these roles",
};

/** Members of everything but groups follow the directory or the audience, not a person's hand. */
export function requireGroupKind(conversation: ConversationFacts): Decision {
  return conversation.kind === "group"
    ? ALLOWED
    : deny(
        "conversation.kind",
        `Members of ${KIND_LABELS[conversation.kind]} are managed by Hallway, not by hand.`,
        "CONVERSATION_KIND_MISMATCH",
      );
}

/** Whether `actor` may create a group at all (the members are `canCreateGroupWith`'s question). */
export function canCreateGroup(rules: PolicyRules, actor: Person): Decision {
  return selects(rules, rules.groups.creators, actor)
    ? ALLOWED
    : deny("groups.creators", onlyMay(rules.groups.creators, "create groups"));
}

/**
 * A group is sanctioned when staff made it, or someone the rules still let make groups. Outside
 * a sanctioned group, students (and parents) do not meet their peers.
 */
export function isSanctionedGroup(rules: PolicyRules, conversation: ConversationFacts): boolean {
  const creator = conversation.creator;
  return creator !== null && (creator.isStaff || selects(rules, rules.groups.creators, creator));
}

/**
 * Whether two people may be members of the same group, where everything one writes reaches
 * the other. Staff may be with anyone; a parent and a student only when they are family;
 * peers (students with students, parents with parents) only in a sanctioned group; students
 * never with adults who are neither staff nor family. Symmetric in a and b.
 */
export function mayShareGroup(
  rules: PolicyRules,
  a: Person,
  b: MemberFacts | Person,
  conversation: ConversationFacts,
): Decision {
  if (a.id === b.id || a.isStaff || b.isStaff) return ALLOWED;
  const classes = new Set([classOf(rules, a), classOf(rules, b)]);
  if (classes.has("student") && classes.has("parent"))
    return (classOf(rules, a) === "parent" ? isGuardianOf(a, b) : isGuardianOf(b, a))
      ? ALLOWED
      : deny(
          "invariant.parentsOnlyOwnChildren",
          "Parents and students share a group only with their own family and staff.",
        );
  if (classes.has("student") && classes.has("other"))
    return deny(
      "invariant.othersNeverStudents",
      "Students share groups only with staff, students and their own parents.",
    );
  if (isSanctionedGroup(rules, conversation)) return ALLOWED;
  const [only] = classes;
  const who = classes.size === 1 && only ? PLURAL[only] : "Parents and other adults";
  return deny(
    "groups.creators",
    `${who} may share a group only if it was created by ${describeSelector(["@staff", ...rules.groups.creators], "or")}.`,
  );
}

/** Whether `target` may join a group that already has `members`: every pair must be allowed. */
export function mayJoinGroup(
  rules: PolicyRules,
  target: Person,
  conversation: ConversationFacts,
  members: ReadonlyArray<MemberFacts | Person>,
): Decision {
  if (conversation.bannedUserIds.includes(target.id))
    return deny("moderation.bans", "A moderator has banned this person from the group.");
  for (const member of members) {
    const decision = mayShareGroup(rules, target, member, conversation);
    if (!decision.allowed) return decision;
  }
  return ALLOWED;
}

/** The checks on the one adding people: a group admin who may make groups and may reach them. */
function mayIntroduce(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
  target: Person,
): Decision {
  const kind = requireGroupKind(conversation);
  if (!kind.allowed) return kind;
  if (membership.role !== "admin") return deny("groups.admins", "Only the group's admins may add members.");
  if (!selects(rules, rules.groups.creators, actor))
    return deny("groups.creators", onlyMay(rules.groups.creators, "add people to groups"));
  if (actor.isStaff || actor.id === target.id) return ALLOWED;
  const peers = classOf(rules, actor) === classOf(rules, target);
  return peers || canOpenDirect(rules, actor, target).allowed
    ? ALLOWED
    : deny("groups.introduce", "You may add only people you may message yourself.");
}

/**
 * Whether `actor` may add `target` to a group whose current members are `members` (the actor
 * included or not). Adding someone must respect who may talk to whom: a parent is not added
 * to a group with other people's children, a student does not add students to a group staff
 * did not sanction. For several people, ask once each, growing `members` as they are added.
 */
export function canAddMember(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
  target: Person,
  members: ReadonlyArray<MemberFacts | Person>,
): Decision {
  const introduce = mayIntroduce(rules, actor, conversation, membership, target);
  if (!introduce.allowed) return introduce;
  return mayJoinGroup(rules, target, conversation, [actor, ...members]);
}

/** The facts of a group `creator` is about to create. */
export function newGroupFacts(creator: Person): ConversationFacts {
  return {
    kind: "group",
    creator: { role: creator.role, isStaff: creator.isStaff },
    sectionId: null,
    sectionGroupFor: "students",
    audience: null,
    supportDesk: null,
    requesterId: null,
    peer: null,
    memberRoles: [{ role: creator.role, isStaff: creator.isStaff }],
    bannedUserIds: [],
    slowModeSeconds: 0,
  };
}

/** Whether `actor` may create a group with these first members: creation, then each addition in turn. */
export function canCreateGroupWith(rules: PolicyRules, actor: Person, members: readonly Person[]): Decision {
  const create = canCreateGroup(rules, actor);
  if (!create.allowed) return create;
  const group = newGroupFacts(actor);
  const joined: Person[] = [];
  for (const member of members) {
    if (member.id === actor.id || joined.some((m) => m.id === member.id)) continue;
    const decision = canAddMember(rules, actor, group, GROUP_ADMIN, member, joined);
    if (!decision.allowed) return decision;
    joined.push(member);
  }
  return ALLOWED;
}

/** Whether `actor` may make an invite link to a group: the same as adding people to it. */
export function canCreateInvite(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
): Decision {
  const kind = requireGroupKind(conversation);
  if (!kind.allowed) return kind;
  if (membership.role !== "admin") return deny("groups.admins", "Only the group's admins may invite people.");
  return selects(rules, rules.groups.creators, actor)
    ? ALLOWED
    : deny("groups.creators", onlyMay(rules.groups.creators, "invite people to groups"));
}

/** Who made an invite, as they are now. */
export interface InviteFacts {
  readonly inviter: Person;
  readonly inviterMembership: Membership;
}

/**
 * Whether `joiner` may join a group through an invite. An invite is an addition made later
 * by its creator, so it is decided as one, on today's facts: an invite stops working when
 * its creator may no longer add people, and it never lets in someone they could not add.
 */
export function canJoinViaInvite(
  rules: PolicyRules,
  joiner: Person,
  conversation: ConversationFacts,
  invite: InviteFacts,
  members: ReadonlyArray<MemberFacts | Person>,
): Decision {
  const introduce = mayIntroduce(rules, invite.inviter, conversation, invite.inviterMembership, joiner);
  if (!introduce.allowed) return introduce.code === "FORBIDDEN" ? inviteNoLongerWorks(introduce) : introduce;
  return mayJoinGroup(rules, joiner, conversation, [invite.inviter, ...members]);
}

function inviteNoLongerWorks(cause: Denied): Denied {
  return deny(
    cause.rule === "groups.introduce" ? "groups.introduce" : "invites.inviter",
    cause.rule === "groups.introduce"
      ? "This invite cannot add you: its creator may not bring you into a group."
      : "This invite no longer works: its creator may no longer add people to the group.",
  );
}
