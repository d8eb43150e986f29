import { type ConversationKind, ERROR_CODES } from "@hallway/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ConversationFacts,
  canAddMember,
  canAnnounce,
  canCreateGroup,
  canCreateGroupWith,
  canCreateInvite,
  canJoinViaInvite,
  canMentionEveryone,
  canModerate,
  canOpenDirect,
  canOpenSupport,
  canPost,
  canReact,
  canReply,
  canSupervise,
  canViewPresence,
  checkSlowMode,
  DEFAULT_POLICY_RULES,
  type Decision,
  MEMBER,
  type Membership,
  makeConversation,
  makePerson,
  mayShareGroup,
  type Person,
  type PolicyRules,
  PolicyRulesError,
  parsePolicyRulesJson,
  type RoleFacts,
  relationshipBetween,
  resolvePolicyRules,
  WHOLE_SCHOOL,
  withOverrides,
} from "./index.ts";

const IDS = ["u1", "u2", "u3", "u4", "u5"];
const SECTIONS = ["A", "B", "C"];
const KINDS: ConversationKind[] = ["direct", "group", "section", "primary", "support", "announcement"];
const ROLES: RoleFacts[] = [
  { role: "admin", isStaff: true },
  { role: "principal", isStaff: true },
  { role: "coordinator", isStaff: true },
  { role: "teacher", isStaff: true },
  { role: "guidance", isStaff: true },
  { role: "registrar", isStaff: true },
  { role: "accounting", isStaff: true },
  { role: "student", isStaff: false },
  { role: "parent", isStaff: false },
  // A school's own roles: a staff role, one it may list as students, one it leaves as "other".
  { role: "nurse", isStaff: true },
  { role: "prefect", isStaff: false },
  { role: "alumni", isStaff: false },
];
const ROLE_NAMES = ROLES.map((r) => r.role);

function personOf(roles: RoleFacts[]): fc.Arbitrary<Person> {
  return fc
    .record({
      id: fc.constantFrom(...IDS),
      facts: fc.constantFrom(...roles),
      taughtSectionIds: fc.subarray(SECTIONS),
      enrolledSectionIds: fc.subarray(SECTIONS),
      childIds: fc.subarray(IDS),
      childSectionIds: fc.subarray(SECTIONS),
      parentIds: fc.subarray(IDS),
    })
    .map(({ id, facts, ...ties }) => makePerson({ id, ...facts, ...ties }));
}
const person = personOf(ROLES);
const staffPerson = personOf(ROLES.filter((r) => r.isStaff));
const parentPerson = personOf([{ role: "parent", isStaff: false }]);
const studentPerson = personOf([{ role: "student", isStaff: false }]);

const membership: fc.Arbitrary<Membership> = fc.record({
  role: fc.constantFrom("admin" as const, "member" as const, "none" as const),
  muted: fc.boolean(),
});

const conversation: fc.Arbitrary<ConversationFacts> = fc.record({
  kind: fc.constantFrom(...KINDS),
  creator: fc.option(fc.constantFrom(...ROLES)),
  sectionId: fc.option(fc.constantFrom(...SECTIONS)),
  sectionGroupFor: fc.constantFrom("students" as const, "parents" as const),
  audience: fc.option(
    fc.record({
      roles: fc.option(fc.subarray(ROLE_NAMES)),
      sectionIds: fc.option(fc.subarray(SECTIONS)),
    }),
  ),
  supportDesk: fc.option(fc.constantFrom(...ROLE_NAMES)),
  requesterId: fc.option(fc.constantFrom(...IDS)),
  peer: fc.option(person),
  memberRoles: fc.subarray(ROLES),
  bannedUserIds: fc.subarray(IDS),
  slowModeSeconds: fc.nat(120),
});

const ANY_SELECTOR = ["@staff", "@students", "@parents", "@everyone", ...ROLE_NAMES];
const STAFF_ONLY = ["@staff", "admin", "principal", "coordinator", "teacher", "guidance", "nurse"];
const NOT_STUDENTS = [
  "@staff",
  "@parents",
  "admin",
  "principal",
  "teacher",
  "guidance",
  "parent",
  "alumni",
  "nurse",
];

/** Any valid rules a school could write: every setting may be overridden with any allowed value. */
const rulesArb: fc.Arbitrary<PolicyRules> = fc
  .record(
    {
      roles: fc.record(
        { students: fc.constantFrom<string[]>(["student"], ["student", "prefect"]) },
        { requiredKeys: [] },
      ),
      direct: fc.record(
        {
          studentsMayMessage: fc.subarray(STAFF_ONLY),
          studentToStudent: fc.constantFrom("off" as const, "same-section" as const, "any" as const),
          familyMessages: fc.boolean(),
          parentsMayMessage: fc.subarray(NOT_STUDENTS),
          parentsMayMessageTeachersOfOwnChildren: fc.boolean(),
          othersMayMessage: fc.subarray(NOT_STUDENTS),
        },
        { requiredKeys: [] },
      ),
      groups: fc.record({ creators: fc.subarray(ANY_SELECTOR) }, { requiredKeys: [] }),
      sections: fc.record({ parentGroups: fc.boolean() }, { requiredKeys: [] }),
      primary: fc.record(
        { posters: fc.subarray(STAFF_ONLY), reactors: fc.subarray(ANY_SELECTOR) },
        { requiredKeys: [] },
      ),
      announcements: fc.record(
        {
          schoolWide: fc.subarray(STAFF_ONLY),
          sectionTeachers: fc.boolean(),
          audienceMayReply: fc.subarray(ANY_SELECTOR),
          audienceMayReact: fc.subarray(ANY_SELECTOR),
        },
        { requiredKeys: [] },
      ),
      support: fc.record(
        {
          desks: fc.subarray(["guidance", "registrar", "accounting", "admin", "nurse"]),
          openers: fc.subarray(ANY_SELECTOR),
        },
        { requiredKeys: [] },
      ),
      mentions: fc.record({ everyone: fc.subarray(ANY_SELECTOR) }, { requiredKeys: [] }),
      moderation: fc.record(
        { moderators: fc.subarray(STAFF_ONLY), slowModeExempt: fc.subarray(ANY_SELECTOR) },
        { requiredKeys: [] },
      ),
      supervision: fc.record({ supervisors: fc.subarray(STAFF_ONLY) }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  )
  .map((overrides) => withOverrides(overrides));

/** Everything a school can switch off, switched off. */
const LOCKED_DOWN = withOverrides({
  direct: {
    studentsMayMessage: [],
    studentToStudent: "off",
    familyMessages: false,
    parentsMayMessage: [],
    parentsMayMessageTeachersOfOwnChildren: false,
    othersMayMessage: [],
  },
  groups: { creators: [] },
  sections: { parentGroups: false },
  primary: { posters: [], reactors: [] },
  announcements: { schoolWide: [], sectionTeachers: false, audienceMayReply: [], audienceMayReact: [] },
  support: { desks: [], openers: [] },
  mentions: { everyone: [] },
  moderation: { moderators: [], slowModeExempt: [] },
  supervision: { supervisors: [] },
});

const direct = (peer: Person) => makeConversation({ kind: "direct", peer });
const isChild = (parent: Person, student: Person) =>
  parent.childIds.includes(student.id) || student.parentIds.includes(parent.id);

function everyDecision(
  rules: PolicyRules,
  a: Person,
  b: Person,
  c: ConversationFacts,
  m: Membership,
  members: Person[],
): Decision[] {
  return [
    canOpenDirect(rules, a, b),
    canCreateGroup(rules, a),
    canCreateGroupWith(rules, a, members),
    canAddMember(rules, a, c, m, b, members),
    canCreateInvite(rules, a, c, m),
    canJoinViaInvite(rules, b, c, { inviter: a, inviterMembership: m }, members),
    mayShareGroup(rules, a, b, c),
    canPost(rules, a, c, m),
    canReply(rules, a, c, m),
    canReact(rules, a, c, m),
    canMentionEveryone(rules, a, c, m),
    canModerate(rules, a, c, m),
    canSupervise(rules, a, c),
    canAnnounce(rules, a, c.audience ?? WHOLE_SCHOOL),
    canOpenSupport(rules, a, c.supportDesk ?? "registrar"),
    checkSlowMode(rules, a, c, 1_000, 1_000 + c.slowModeSeconds * 500),
    canViewPresence(a, b, [c.kind]),
  ];
}

describe("policy properties", () => {
  it("no decision throws on any input, and every refusal is a catalogue code with a sentence", () => {
    fc.assert(
      fc.property(
        rulesArb,
        person,
        person,
        conversation,
        membership,
        fc.array(person, { maxLength: 4 }),
        (rules, a, b, c, m, members) => {
          for (const decision of everyDecision(rules, a, b, c, m, members)) {
            if (decision.allowed) continue;
            expect(ERROR_CODES).toContain(decision.code);
            expect(decision.reason).toMatch(/^[A-Z].*[.]$/);
            expect(decision.rule).not.toBe("");
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("under the defaults, staff may message anyone", () => {
    fc.assert(
      fc.property(staffPerson, person, (a, b) => {
        fc.pre(a.id !== b.id);
        expect(canOpenDirect(DEFAULT_POLICY_RULES, a, b).allowed).toBe(true);
        expect(canPost(DEFAULT_POLICY_RULES, a, direct(b), MEMBER).allowed).toBe(true);
      }),
    );
  });

  it("under any rules, a parent never reaches a student who is not their child", () => {
    fc.assert(
      fc.property(
        rulesArb,
        parentPerson,
        studentPerson,
        person,
        conversation,
        membership,
        (rules, parent, student, adder, c, m) => {
          fc.pre(new Set([parent.id, student.id, adder.id]).size === 3 && !isChild(parent, student));
          const group = { ...c, kind: "group" as const };
          expect(canOpenDirect(rules, parent, student).allowed).toBe(false);
          expect(canOpenDirect(rules, student, parent).allowed).toBe(false);
          expect(canPost(rules, parent, direct(student), MEMBER).allowed).toBe(false);
          expect(canPost(rules, student, direct(parent), MEMBER).allowed).toBe(false);
          expect(mayShareGroup(rules, parent, student, group).allowed).toBe(false);
          expect(canAddMember(rules, adder, group, m, parent, [student]).allowed).toBe(false);
          expect(canAddMember(rules, adder, group, m, student, [parent]).allowed).toBe(false);
          const invite = { inviter: adder, inviterMembership: m };
          expect(canJoinViaInvite(rules, parent, group, invite, [student]).allowed).toBe(false);
          expect(canCreateGroupWith(rules, adder, [parent, student]).allowed).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("under any rules, students message only staff, students and their own parents", () => {
    fc.assert(
      fc.property(rulesArb, studentPerson, person, (rules, student, other) => {
        const cls = other.isStaff ? "staff" : other.role;
        const ownParent = other.role === "parent" && isChild(other, student);
        if (canOpenDirect(rules, student, other).allowed)
          expect(cls === "staff" || rules.roles.students.includes(other.role) || ownParent).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("with everything switched off, nothing is allowed but staff reaching people", () => {
    fc.assert(
      fc.property(
        person,
        person,
        conversation,
        membership,
        fc.array(person, { maxLength: 3 }),
        (a, b, c, m, members) => {
          fc.pre(a.id !== b.id);
          const r = LOCKED_DOWN;
          expect(canOpenDirect(r, a, b).allowed).toBe(a.isStaff);
          expect(canCreateGroup(r, a).allowed).toBe(false);
          expect(canCreateGroupWith(r, a, members).allowed).toBe(false);
          expect(canAddMember(r, a, c, m, b, members).allowed).toBe(false);
          expect(canCreateInvite(r, a, c, m).allowed).toBe(false);
          expect(canJoinViaInvite(r, b, c, { inviter: a, inviterMembership: m }, members).allowed).toBe(
            false,
          );
          expect(canAnnounce(r, a, c.audience ?? WHOLE_SCHOOL).allowed).toBe(false);
          expect(canOpenSupport(r, a, c.supportDesk ?? "registrar").allowed).toBe(false);
          expect(canSupervise(r, a, c).allowed).toBe(false);
          expect(canMentionEveryone(r, a, c, m).allowed).toBe(false);
          if (!a.isStaff) {
            expect(canPost(r, a, direct(b), MEMBER).allowed).toBe(b.isStaff);
            expect(canModerate(r, a, c, m).allowed).toBe(false);
            expect(canPost(r, a, { ...c, kind: "primary" }, m).allowed).toBe(false);
            expect(canReact(r, a, { ...c, kind: "announcement" }, m).allowed).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("decisions between two people are symmetric where they must be", () => {
    fc.assert(
      fc.property(rulesArb, person, person, conversation, (rules, a, b, c) => {
        fc.pre(a.id !== b.id);
        expect(canPost(rules, a, direct(b), MEMBER).allowed).toBe(
          canPost(rules, b, direct(a), MEMBER).allowed,
        );
        expect(mayShareGroup(rules, a, b, c).allowed).toBe(mayShareGroup(rules, b, a, c).allowed);
        expect(canViewPresence(a, b, [c.kind]).allowed).toBe(canViewPresence(b, a, [c.kind]).allowed);
        const ab = relationshipBetween(a, b);
        const ba = relationshipBetween(b, a);
        expect(ba).toEqual({
          self: ab.self,
          parentOf: ab.childOf,
          childOf: ab.parentOf,
          teacherOf: ab.studentOf,
          studentOf: ab.teacherOf,
          teacherOfChildOf: ab.parentOfStudentOf,
          parentOfStudentOf: ab.teacherOfChildOf,
          classmateOf: ab.classmateOf,
          coTeacherOf: ab.coTeacherOf,
          coParentOf: ab.coParentOf,
        });
      }),
      { numRuns: 300 },
    );
  });

  it("student direct messages widen from off to same-section to any, never the other way", () => {
    const levels = (["off", "same-section", "any"] as const).map((studentToStudent) =>
      withOverrides({ direct: { studentToStudent } }),
    );
    fc.assert(
      fc.property(person, person, (a, b) => {
        const [off, same, any] = levels.map((r) => canOpenDirect(r, a, b).allowed);
        if (off) expect(same).toBe(true);
        if (same) expect(any).toBe(true);
      }),
    );
  });

  it("muted members write nowhere; non-members write only where membership is not needed", () => {
    fc.assert(
      fc.property(rulesArb, person, conversation, fc.boolean(), (rules, a, c, isMember) => {
        const m: Membership = { role: isMember ? "member" : "none", muted: true };
        for (const decide of [canPost, canReply, canReact])
          expect(decide(rules, a, c, m).allowed).toBe(false);
        if (["direct", "group", "section", "primary"].includes(c.kind))
          for (const decide of [canPost, canReply, canReact]) {
            const d = decide(rules, a, c, { role: "none", muted: false });
            expect(d.allowed ? "allowed" : d.code).toBe("CONVERSATION_NOT_FOUND");
          }
      }),
      { numRuns: 300 },
    );
  });

  it("only staff announce, moderate and supervise, whatever the rules", () => {
    fc.assert(
      fc.property(rulesArb, person, conversation, membership, (rules, a, c, m) => {
        if (canAnnounce(rules, a, c.audience ?? WHOLE_SCHOOL).allowed) expect(a.isStaff).toBe(true);
        if (canModerate(rules, a, c, m).allowed) expect(a.isStaff).toBe(true);
        if (canSupervise(rules, a, c).allowed) expect(a.isStaff).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("resolved rules survive a round trip through a JSON file", () => {
    fc.assert(
      fc.property(rulesArb, (rules) => {
        expect(parsePolicyRulesJson(JSON.stringify(rules))).toEqual(rules);
      }),
    );
  });

  it("any JSON at all either resolves or fails with a PolicyRulesError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (value) => {
        try {
          resolvePolicyRules(value);
        } catch (error) {
          expect(error).toBeInstanceOf(PolicyRulesError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
