import { describe, expect, it } from "vitest";
import {
  canAddMember,
  canAnnounce,
  canCreateGroup,
  canCreateGroupWith,
  canOpenDirect,
  canPost,
  canReply,
  DEFAULT_POLICY_RULES,
  GROUP_ADMIN,
  MEMBER,
  makeConversation,
  makePerson,
  newGroupFacts,
  WHOLE_SCHOOL,
  withOverrides,
} from "./index.ts";

const student = (id: string, sections: string[] = [], parentIds: string[] = []) =>
  makePerson({ id, role: "student", isStaff: false, enrolledSectionIds: sections, parentIds });
const parent = (id: string, childIds: string[] = [], childSectionIds: string[] = []) =>
  makePerson({ id, role: "parent", isStaff: false, childIds, childSectionIds });
const teacher = (id: string, sections: string[] = []) =>
  makePerson({ id, role: "teacher", isStaff: true, taughtSectionIds: sections });

describe("a school that enables student direct messages", () => {
  const ann = student("ann", ["7A"]);
  const ben = student("ben", ["7A"]);
  const cal = student("cal", ["8B"]);

  it("between classmates only", () => {
    const rules = withOverrides({ direct: { studentToStudent: "same-section" } });
    expect(canOpenDirect(rules, ann, ben).allowed).toBe(true);
    expect(canOpenDirect(rules, ann, cal)).toMatchObject({
      allowed: false,
      rule: "direct.studentToStudent",
      reason: "Students may message only classmates who share a section with them.",
    });
  });

  it("between any students", () => {
    const rules = withOverrides({ direct: { studentToStudent: "any" } });
    expect(canOpenDirect(rules, ann, cal).allowed).toBe(true);
    expect(canPost(rules, cal, makeConversation({ kind: "direct", peer: ann }), MEMBER).allowed).toBe(true);
  });

  it("and switches them off again: the existing conversations go quiet", () => {
    const direct = makeConversation({ kind: "direct", peer: cal });
    expect(canPost(withOverrides({ direct: { studentToStudent: "any" } }), ann, direct, MEMBER).allowed).toBe(
      true,
    );
    expect(canPost(DEFAULT_POLICY_RULES, ann, direct, MEMBER).allowed).toBe(false);
  });

  it("never opens a student to other students' parents", () => {
    const rules = withOverrides({ direct: { studentToStudent: "any" } });
    expect(canOpenDirect(rules, ann, parent("pat", ["ben"], ["7A"])).allowed).toBe(false);
  });
});

describe("a school that lets teachers make school-wide announcements", () => {
  const rules = withOverrides({
    announcements: { schoolWide: ["admin", "principal", "coordinator", "teacher"] },
  });
  const ms = teacher("ms-rivera", ["7A"]);

  it("lets every teacher announce to the whole school", () => {
    expect(canAnnounce(DEFAULT_POLICY_RULES, ms, WHOLE_SCHOOL)).toMatchObject({
      allowed: false,
      reason:
        "Only admins, the principal and coordinators may make school-wide announcements; teachers may announce to the sections they teach.",
    });
    expect(canAnnounce(rules, ms, WHOLE_SCHOOL).allowed).toBe(true);
    const channel = makeConversation({ kind: "announcement", audience: WHOLE_SCHOOL });
    expect(canPost(rules, ms, channel, MEMBER).allowed).toBe(true);
  });

  it("does not open the school-wide group to them: that is its own setting", () => {
    expect(canPost(rules, ms, makeConversation({ kind: "primary" }), MEMBER).allowed).toBe(false);
    const open = withOverrides({ primary: { posters: ["@staff"] } });
    expect(canPost(open, ms, makeConversation({ kind: "primary" }), MEMBER).allowed).toBe(true);
  });
});

describe("a school that stops teachers announcing to their own sections", () => {
  it("leaves section announcements to the school-wide announcers", () => {
    const rules = withOverrides({ announcements: { sectionTeachers: false } });
    const audience = { roles: null, sectionIds: ["7A"] };
    expect(canAnnounce(DEFAULT_POLICY_RULES, teacher("t", ["7A"]), audience).allowed).toBe(true);
    expect(canAnnounce(rules, teacher("t", ["7A"]), audience)).toMatchObject({
      allowed: false,
      reason: "Only admins, the principal and coordinators may make announcements.",
    });
  });
});

describe("a school that lets students make groups", () => {
  const rules = withOverrides({ groups: { creators: ["@staff", "@students"] } });
  const ann = student("ann", ["7A"], ["pat"]);
  const ben = student("ben", ["8B"]);

  it("lets a student make a group with other students, but not with other people's parents", () => {
    expect(canCreateGroup(rules, ann).allowed).toBe(true);
    expect(canCreateGroupWith(rules, ann, [ben]).allowed).toBe(true);
    expect(canCreateGroupWith(rules, ann, [ben, parent("pat", ["ann"])]).allowed).toBe(false);
    expect(canCreateGroupWith(rules, ann, [parent("pat", ["ann"])]).allowed).toBe(true);
  });

  it("lets students write in their own groups until the school takes it back", () => {
    const group = { ...newGroupFacts(ann) };
    expect(canPost(rules, ben, group, MEMBER).allowed).toBe(true);
    expect(canPost(DEFAULT_POLICY_RULES, ben, group, MEMBER)).toMatchObject({
      allowed: false,
      rule: "groups.creators",
    });
    expect(canPost(DEFAULT_POLICY_RULES, teacher("t"), group, MEMBER).allowed).toBe(true);
  });
});

describe("a school with parents' section groups", () => {
  const rules = withOverrides({ sections: { parentGroups: true } });
  const parentsOf7A = makeConversation({ kind: "section", sectionId: "7A", sectionGroupFor: "parents" });

  it("lets the parents of the section's students write there, and nobody else but staff", () => {
    expect(canPost(rules, parent("pat", ["ann"], ["7A"]), parentsOf7A, MEMBER).allowed).toBe(true);
    expect(canPost(rules, parent("pam", ["cal"], ["8B"]), parentsOf7A, MEMBER).allowed).toBe(false);
    expect(canPost(rules, student("ann", ["7A"]), parentsOf7A, MEMBER).allowed).toBe(false);
    expect(canPost(rules, teacher("t", ["7A"]), parentsOf7A, MEMBER).allowed).toBe(true);
    expect(canPost(DEFAULT_POLICY_RULES, parent("pat", ["ann"], ["7A"]), parentsOf7A, MEMBER)).toMatchObject({
      allowed: false,
      reason: "Parents' section groups are switched off at this school.",
    });
  });
});

describe("a school that switches off family messages", () => {
  const rules = withOverrides({ direct: { familyMessages: false } });
  const pat = parent("pat", ["ann"]);
  const ann = student("ann", [], ["pat"]);

  it("stops parents and their children messaging directly, but not meeting in a staff group", () => {
    expect(canOpenDirect(DEFAULT_POLICY_RULES, pat, ann).allowed).toBe(true);
    expect(canOpenDirect(rules, pat, ann).allowed).toBe(false);
    expect(canOpenDirect(rules, ann, pat).allowed).toBe(false);
    const group = newGroupFacts(teacher("t"));
    expect(canAddMember(rules, teacher("t"), group, GROUP_ADMIN, pat, [ann]).allowed).toBe(true);
  });
});

describe("a school that lets parents message any member of staff", () => {
  const rules = withOverrides({ direct: { parentsMayMessage: ["@staff"] } });

  it("opens every teacher to parents, and still no other child", () => {
    const pat = parent("pat", ["ann"], ["7A"]);
    expect(canOpenDirect(DEFAULT_POLICY_RULES, pat, teacher("t", ["9C"])).allowed).toBe(false);
    expect(canOpenDirect(rules, pat, teacher("t", ["9C"])).allowed).toBe(true);
    expect(canOpenDirect(rules, pat, student("cal")).allowed).toBe(false);
  });
});

describe("a school that lets the audience reply to announcements", () => {
  const rules = withOverrides({ announcements: { audienceMayReply: ["@students", "@parents"] } });
  const ann = student("ann", ["7A"]);

  it("lets students reply where only classmates and staff read, never where parents read", () => {
    const toClass = makeConversation({
      kind: "announcement",
      audience: { roles: ["student", "teacher"], sectionIds: ["7A"] },
      memberRoles: [
        { role: "student", isStaff: false },
        { role: "teacher", isStaff: true },
      ],
    });
    expect(canReply(DEFAULT_POLICY_RULES, ann, toClass, MEMBER)).toMatchObject({
      allowed: false,
      reason: "Replies to announcements are switched off at this school.",
    });
    expect(canReply(rules, ann, toClass, MEMBER).allowed).toBe(true);
    const toSchool = makeConversation({
      kind: "announcement",
      audience: WHOLE_SCHOOL,
      memberRoles: [
        { role: "student", isStaff: false },
        { role: "parent", isStaff: false },
      ],
    });
    expect(canReply(rules, ann, toSchool, MEMBER)).toMatchObject({
      allowed: false,
      rule: "invariant.studentsOnlyKnownPeople",
    });
    expect(canReply(rules, parent("pat", ["ann"]), toSchool, MEMBER).allowed).toBe(false);
  });
});

describe("a school with its own roles", () => {
  const rules = withOverrides({ roles: { students: ["student", "prefect"] } });
  const prefect = makePerson({ id: "pre", role: "prefect", isStaff: false });
  const nurse = makePerson({ id: "nurse", role: "nurse", isStaff: true });
  const alumna = makePerson({ id: "alu", role: "alumni", isStaff: false });

  it("treats a listed role as students, a staff-flagged role as staff, and any other role narrowly", () => {
    expect(canOpenDirect(rules, parent("pat"), prefect).allowed).toBe(false);
    expect(canOpenDirect(rules, nurse, prefect).allowed).toBe(true);
    expect(canOpenDirect(rules, prefect, nurse).allowed).toBe(true);
    expect(canOpenDirect(rules, alumna, nurse).allowed).toBe(true);
    expect(canOpenDirect(rules, alumna, prefect).allowed).toBe(false);
    expect(canOpenDirect(rules, alumna, parent("pat")).allowed).toBe(false);
  });
});
