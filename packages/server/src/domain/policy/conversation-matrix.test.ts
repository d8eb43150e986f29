import { SCHOOL_ROLES, type SchoolRole } from "@hallway/protocol";
import { describe, expect, it } from "vitest";
import {
  type ConversationFacts,
  canCreateInvite,
  canMentionEveryone,
  canModerate,
  canPost,
  canReact,
  canReply,
  canSupervise,
  DEFAULT_POLICY_RULES,
  type Decision,
  GROUP_ADMIN,
  MEMBER,
  type Membership,
  makeConversation,
  makePerson,
  NOT_A_MEMBER,
  type Person,
  type RoleFacts,
  WHOLE_SCHOOL,
} from "./index.ts";

/*
 * Every one of the nine roles, in every kind of conversation and every tie to it, for every
 * action inside a conversation — against the defaults. Expected outcomes are the role lists
 * written out below, from the words; they never call the code under test.
 */

const STAFF: readonly SchoolRole[] = [
  "admin",
  "principal",
  "coordinator",
  "teacher",
  "guidance",
  "registrar",
  "accounting",
];
const EVERYONE = SCHOOL_ROLES;
const NOBODY: readonly SchoolRole[] = [];
const STUDENTS_AND_STAFF: readonly SchoolRole[] = [...STAFF, "student"];
const SCHOOL_WIDE: readonly SchoolRole[] = ["admin", "principal", "coordinator"];
// "A moderation queue for admin and guidance": both moderate everywhere, with the principal.
const MODERATORS: readonly SchoolRole[] = ["admin", "principal", "guidance"];
const SUPERVISORS: readonly SchoolRole[] = ["admin", "guidance"];

const ACTIONS = {
  post: canPost,
  reply: canReply,
  react: canReact,
  mentionEveryone: canMentionEveryone,
  moderate: canModerate,
  invite: canCreateInvite,
  supervise: (rules, actor, conversation) => canSupervise(rules, actor, conversation),
} satisfies Record<
  string,
  (rules: typeof DEFAULT_POLICY_RULES, actor: Person, c: ConversationFacts, m: Membership) => Decision
>;
type Action = keyof typeof ACTIONS;

const S = "section-1";
const role = (name: string): RoleFacts => ({ role: name, isStaff: (STAFF as string[]).includes(name) });
const WITH_A_STUDENT = [role("teacher"), role("student")];
const EVERY_ROLE = EVERYONE.map(role);

interface Scenario {
  /** The actor's ties to the conversation. */
  ties?: Partial<Person>;
  conversation: Partial<ConversationFacts> & Pick<ConversationFacts, "kind">;
  membership: Membership;
  /** Who may post. Reply and react follow post unless given; @everyone mentions are staff who may post. */
  post: readonly SchoolRole[];
  reply?: readonly SchoolRole[];
  react?: readonly SchoolRole[];
  moderate: readonly SchoolRole[];
  invite: readonly SchoolRole[];
  supervise: readonly SchoolRole[];
}

const staffGroup = { kind: "group", creator: role("teacher"), memberRoles: WITH_A_STUDENT } as const;

const SCENARIOS: Record<string, Scenario> = {
  "a staff-created group, as a member": {
    conversation: staffGroup,
    membership: MEMBER,
    post: EVERYONE,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "a staff-created group, as its admin": {
    conversation: staffGroup,
    membership: GROUP_ADMIN,
    post: EVERYONE,
    moderate: STAFF,
    invite: STAFF,
    supervise: SUPERVISORS,
  },
  "a staff-created group, not a member": {
    conversation: staffGroup,
    membership: NOT_A_MEMBER,
    post: NOBODY,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "a staff-created group, muted": {
    conversation: staffGroup,
    membership: { role: "member", muted: true },
    post: NOBODY,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "a group a student created (students may not create groups)": {
    conversation: { kind: "group", creator: role("student"), memberRoles: [role("student")] },
    membership: MEMBER,
    post: STAFF,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "an adults' group, as its admin": {
    conversation: {
      kind: "group",
      creator: role("principal"),
      memberRoles: [role("teacher"), role("parent")],
    },
    membership: GROUP_ADMIN,
    post: EVERYONE,
    moderate: STAFF,
    invite: STAFF,
    supervise: NOBODY,
  },
  "a section group, enrolled in the section": {
    ties: { enrolledSectionIds: [S] },
    conversation: { kind: "section", sectionId: S, memberRoles: WITH_A_STUDENT },
    membership: MEMBER,
    post: STUDENTS_AND_STAFF,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "a section group, teaching the section": {
    ties: { taughtSectionIds: [S] },
    conversation: { kind: "section", sectionId: S, memberRoles: WITH_A_STUDENT },
    membership: MEMBER,
    post: STAFF,
    moderate: STAFF,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "a section group, a member without ties to the section": {
    conversation: { kind: "section", sectionId: S, memberRoles: WITH_A_STUDENT },
    membership: MEMBER,
    post: STAFF,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "a section group, not a member": {
    ties: { enrolledSectionIds: [S] },
    conversation: { kind: "section", sectionId: S, memberRoles: WITH_A_STUDENT },
    membership: NOT_A_MEMBER,
    post: NOBODY,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "a parents' section group (off by default), with a child in the section": {
    ties: { childIds: ["c"], childSectionIds: [S] },
    conversation: {
      kind: "section",
      sectionId: S,
      sectionGroupFor: "parents",
      memberRoles: [role("teacher"), role("parent")],
    },
    membership: MEMBER,
    post: STAFF,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: NOBODY,
  },
  "the school-wide group": {
    conversation: { kind: "primary", memberRoles: EVERY_ROLE },
    membership: MEMBER,
    post: SCHOOL_WIDE,
    react: EVERYONE,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "a support conversation with the registrar, opened by the actor": {
    conversation: {
      kind: "support",
      supportDesk: "registrar",
      requesterId: "me",
      memberRoles: [role("registrar")],
    },
    membership: MEMBER,
    post: EVERYONE,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: NOBODY,
  },
  "a support conversation with the registrar, opened by a student": {
    conversation: {
      kind: "support",
      supportDesk: "registrar",
      requesterId: "someone",
      memberRoles: [role("student"), role("registrar")],
    },
    membership: NOT_A_MEMBER,
    post: ["registrar"],
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "a whole-school announcement": {
    conversation: { kind: "announcement", audience: WHOLE_SCHOOL, memberRoles: EVERY_ROLE },
    membership: MEMBER,
    post: SCHOOL_WIDE,
    react: EVERYONE,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "an announcement to a section the actor teaches": {
    ties: { taughtSectionIds: [S] },
    conversation: {
      kind: "announcement",
      audience: { roles: null, sectionIds: [S] },
      memberRoles: WITH_A_STUDENT,
    },
    membership: MEMBER,
    post: STAFF,
    react: EVERYONE,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "an announcement to a section the actor is enrolled in": {
    ties: { enrolledSectionIds: [S] },
    conversation: {
      kind: "announcement",
      audience: { roles: null, sectionIds: [S] },
      memberRoles: WITH_A_STUDENT,
    },
    membership: MEMBER,
    post: SCHOOL_WIDE,
    react: EVERYONE,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "an announcement to the section of the actor's child": {
    ties: { childIds: ["c"], childSectionIds: [S] },
    conversation: {
      kind: "announcement",
      audience: { roles: null, sectionIds: [S] },
      memberRoles: [...WITH_A_STUDENT, role("parent")],
    },
    membership: MEMBER,
    post: SCHOOL_WIDE,
    react: EVERYONE,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "an announcement to a section the actor has no tie to": {
    conversation: {
      kind: "announcement",
      audience: { roles: null, sectionIds: [S] },
      memberRoles: WITH_A_STUDENT,
    },
    membership: NOT_A_MEMBER,
    post: SCHOOL_WIDE,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
  "an announcement to parents": {
    conversation: {
      kind: "announcement",
      audience: { roles: ["parent"], sectionIds: null },
      memberRoles: [role("parent")],
    },
    membership: MEMBER,
    post: SCHOOL_WIDE,
    react: [...SCHOOL_WIDE, "parent"],
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: NOBODY,
  },
  "a direct conversation with a student who is no relation": {
    conversation: { kind: "direct", peer: makePerson({ id: "kid", role: "student", isStaff: false }) },
    membership: MEMBER,
    post: STAFF,
    moderate: MODERATORS,
    invite: NOBODY,
    supervise: SUPERVISORS,
  },
};

function expectedRoles(scenario: Scenario, action: Action): readonly SchoolRole[] {
  switch (action) {
    case "post":
    case "moderate":
    case "invite":
    case "supervise":
      return scenario[action];
    case "reply":
      return scenario.reply ?? scenario.post;
    case "react":
      return scenario.react ?? scenario.post;
    case "mentionEveryone":
      return scenario.post.filter((r) => STAFF.includes(r));
  }
}

const cases = Object.entries(SCENARIOS).flatMap(([where, scenario]) =>
  (Object.keys(ACTIONS) as Action[]).flatMap((action) =>
    SCHOOL_ROLES.map((actor) => ({
      where,
      action,
      actor,
      scenario,
      expected: expectedRoles(scenario, action).includes(actor),
    })),
  ),
);

describe("actions inside conversations, by role", () => {
  it.each(cases)("$where: $actor may $action: $expected", ({ actor, action, scenario, expected }) => {
    const me = makePerson({ id: "me", role: actor, isStaff: STAFF.includes(actor), ...scenario.ties });
    const conversation = makeConversation({
      ...scenario.conversation,
      memberRoles: [...(scenario.conversation.memberRoles ?? []), role(actor)],
    });
    const decision = ACTIONS[action](DEFAULT_POLICY_RULES, me, conversation, scenario.membership);
    expect(decision.allowed).toBe(expected);
  });
});
