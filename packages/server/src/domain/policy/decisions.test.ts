import { describe, expect, it } from "vitest";
import {
  canAddMember,
  canCreateGroupWith,
  canJoinViaInvite,
  canMentionEveryone,
  canModerate,
  canOpenDirect,
  canOpenSupport,
  canPost,
  canReact,
  canSupervise,
  canViewPresence,
  checkSlowMode,
  describeSelector,
  GROUP_ADMIN,
  isSupervised,
  MEMBER,
  makeConversation,
  makePerson,
  NOT_A_MEMBER,
  newGroupFacts,
  relationshipBetween,
  DEFAULT_POLICY_RULES as rules,
} from "./index.ts";

const pat = makePerson({
  id: "pat",
  role: "parent",
  isStaff: false,
  childIds: ["ann"],
  childSectionIds: ["7A"],
});
const ann = makePerson({
  id: "ann",
  role: "student",
  isStaff: false,
  enrolledSectionIds: ["7A"],
  parentIds: ["pat"],
});
const ben = makePerson({ id: "ben", role: "student", isStaff: false, enrolledSectionIds: ["7A"] });
const rivera = makePerson({ id: "rivera", role: "teacher", isStaff: true, taughtSectionIds: ["7A"] });
const okafor = makePerson({ id: "okafor", role: "teacher", isStaff: true, taughtSectionIds: ["9C"] });
const reg = makePerson({ id: "reg", role: "registrar", isStaff: true });
const principal = makePerson({ id: "pri", role: "principal", isStaff: true });
const staffGroup = newGroupFacts(rivera);

describe("direct messages", () => {
  it("a parent may message their child's teacher and the school offices, with a reason when not", () => {
    expect(canOpenDirect(rules, pat, rivera).allowed).toBe(true);
    expect(canOpenDirect(rules, pat, reg).allowed).toBe(true);
    expect(canOpenDirect(rules, pat, okafor)).toEqual({
      allowed: false,
      code: "FORBIDDEN",
      rule: "direct.parentsMayMessage",
      reason:
        "Parents may message the teachers of their own children, guidance counsellors, the registrar, accounting, the principal and admins.",
    });
  });

  it("a parent may answer a teacher who wrote first, though they could not have started it", () => {
    expect(canOpenDirect(rules, okafor, pat).allowed).toBe(true);
    expect(canPost(rules, pat, makeConversation({ kind: "direct", peer: okafor }), MEMBER).allowed).toBe(
      true,
    );
  });

  it("a parent never reaches another child, and is told so plainly", () => {
    expect(canOpenDirect(rules, pat, ben)).toMatchObject({
      allowed: false,
      rule: "invariant.parentsOnlyOwnChildren",
      reason: "Parents may message their own children, not other students.",
    });
    expect(canOpenDirect(rules, pat, ann).allowed).toBe(true);
  });

  it("students message staff, not each other by default", () => {
    expect(canOpenDirect(rules, ann, okafor).allowed).toBe(true);
    expect(canOpenDirect(rules, ann, ben)).toMatchObject({ allowed: false, rule: "direct.studentToStudent" });
  });

  it("nobody opens a conversation with themselves", () => {
    expect(canOpenDirect(rules, rivera, rivera)).toMatchObject({ allowed: false, code: "SELF_CONVERSATION" });
  });

  it("a direct conversation whose other person is gone takes no more posts", () => {
    expect(canPost(rules, rivera, makeConversation({ kind: "direct" }), MEMBER)).toMatchObject({
      allowed: false,
      rule: "direct.peer",
    });
  });
});

describe("adding members", () => {
  it("is for groups only; other conversations follow the directory", () => {
    for (const kind of ["direct", "section", "primary", "support", "announcement"] as const)
      expect(canAddMember(rules, rivera, makeConversation({ kind }), GROUP_ADMIN, ann, [])).toMatchObject({
        allowed: false,
        code: "CONVERSATION_KIND_MISMATCH",
      });
  });

  it("is for the group's admins", () => {
    expect(canAddMember(rules, okafor, staffGroup, MEMBER, ann, [rivera])).toMatchObject({
      allowed: false,
      reason: "Only the group's admins may add members.",
    });
  });

  it("a student does not add students, even as an admin of a staff group", () => {
    expect(canAddMember(rules, ann, staffGroup, GROUP_ADMIN, ben, [rivera])).toMatchObject({
      allowed: false,
      reason: "Only staff may add people to groups.",
    });
  });

  it("a parent is not added to a group with other people's children", () => {
    expect(canAddMember(rules, rivera, staffGroup, GROUP_ADMIN, pat, [ann, ben])).toMatchObject({
      allowed: false,
      rule: "invariant.parentsOnlyOwnChildren",
      reason: "Parents and students share a group only with their own family and staff.",
    });
    expect(canAddMember(rules, rivera, staffGroup, GROUP_ADMIN, pat, [ann]).allowed).toBe(true);
  });

  it("recognises family from the newcomer's links when members are loaded without theirs", () => {
    const annWithoutTies = { id: "ann", role: "student", isStaff: false };
    expect(canAddMember(rules, rivera, staffGroup, GROUP_ADMIN, pat, [annWithoutTies]).allowed).toBe(true);
    expect(
      canAddMember(rules, rivera, staffGroup, GROUP_ADMIN, ben, [
        { id: "pat", role: "parent", isStaff: false },
      ]),
    ).toMatchObject({ allowed: false });
  });

  it("a banned person stays out", () => {
    const group = { ...staffGroup, bannedUserIds: ["ben"] };
    expect(canAddMember(rules, rivera, group, GROUP_ADMIN, ben, [])).toMatchObject({
      allowed: false,
      rule: "moderation.bans",
    });
  });

  it("a new group's first members are checked as additions one by one", () => {
    expect(canCreateGroupWith(rules, rivera, [ann, ben]).allowed).toBe(true);
    expect(canCreateGroupWith(rules, rivera, [ann, pat]).allowed).toBe(true);
    expect(canCreateGroupWith(rules, rivera, [ann, ben, pat]).allowed).toBe(false);
    expect(canCreateGroupWith(rules, pat, [rivera])).toMatchObject({
      allowed: false,
      rule: "groups.creators",
    });
  });
});

describe("invites", () => {
  const invite = { inviter: rivera, inviterMembership: GROUP_ADMIN };

  it("let in whom their creator could add", () => {
    expect(canJoinViaInvite(rules, ben, staffGroup, invite, [ann]).allowed).toBe(true);
    expect(canJoinViaInvite(rules, pat, staffGroup, invite, [ben])).toMatchObject({
      allowed: false,
      rule: "invariant.parentsOnlyOwnChildren",
    });
  });

  it("stop working when their creator may no longer add people", () => {
    expect(
      canJoinViaInvite(rules, ben, staffGroup, { inviter: rivera, inviterMembership: MEMBER }, []),
    ).toEqual({
      allowed: false,
      code: "FORBIDDEN",
      rule: "invites.inviter",
      reason: "This invite no longer works: its creator may no longer add people to the group.",
    });
  });

  it("do not apply to conversations whose members follow the directory", () => {
    const section = makeConversation({ kind: "section", sectionId: "7A" });
    expect(canJoinViaInvite(rules, ben, section, invite, [])).toMatchObject({
      code: "CONVERSATION_KIND_MISMATCH",
    });
  });
});

describe("posting", () => {
  it("someone outside a conversation learns nothing about it", () => {
    expect(canPost(rules, ben, staffGroup, NOT_A_MEMBER)).toEqual({
      allowed: false,
      code: "CONVERSATION_NOT_FOUND",
      rule: "membership",
      reason: "No such conversation, or you are not a member of it.",
    });
    const elsewhere = makeConversation({
      kind: "announcement",
      audience: { roles: null, sectionIds: ["9C"] },
    });
    expect(canReact(rules, ann, elsewhere, NOT_A_MEMBER)).toMatchObject({ code: "CONVERSATION_NOT_FOUND" });
  });

  it("a muted member is told why", () => {
    expect(canPost(rules, ann, staffGroup, { role: "member", muted: true })).toMatchObject({
      allowed: false,
      reason: "A moderator has muted you in this conversation.",
    });
  });

  it("@everyone is for staff", () => {
    const section = makeConversation({ kind: "section", sectionId: "7A" });
    expect(canMentionEveryone(rules, rivera, section, MEMBER).allowed).toBe(true);
    expect(canMentionEveryone(rules, ann, section, MEMBER)).toMatchObject({
      allowed: false,
      rule: "mentions.everyone",
    });
  });
});

describe("support conversations", () => {
  it("open towards the school's desks", () => {
    expect(canOpenSupport(rules, pat, "registrar").allowed).toBe(true);
    expect(canOpenSupport(rules, pat, "teacher")).toMatchObject({
      allowed: false,
      reason:
        "Support conversations can be opened with guidance counsellors, the registrar, accounting and admins.",
    });
  });

  it("are answered by any member of the desk's staff, and read by nobody else", () => {
    const asked = makeConversation({ kind: "support", supportDesk: "registrar", requesterId: "pat" });
    expect(canPost(rules, pat, asked, MEMBER).allowed).toBe(true);
    expect(canPost(rules, reg, asked, NOT_A_MEMBER).allowed).toBe(true);
    expect(canPost(rules, okafor, asked, NOT_A_MEMBER)).toMatchObject({ code: "CONVERSATION_NOT_FOUND" });
  });
});

describe("moderation", () => {
  const section7A = makeConversation({ kind: "section", sectionId: "7A" });

  it("is for the school's moderators, a section's own teachers and staff who run a group", () => {
    expect(canModerate(rules, principal, section7A, NOT_A_MEMBER).allowed).toBe(true);
    expect(canModerate(rules, rivera, section7A, MEMBER).allowed).toBe(true);
    expect(canModerate(rules, okafor, section7A, MEMBER).allowed).toBe(false);
    expect(canModerate(rules, okafor, staffGroup, GROUP_ADMIN).allowed).toBe(true);
    expect(canModerate(rules, ann, staffGroup, GROUP_ADMIN).allowed).toBe(false);
  });

  it("slow mode holds members back, tells them how long, and lets staff through", () => {
    const slow = makeConversation({ kind: "section", sectionId: "7A", slowModeSeconds: 30 });
    expect(checkSlowMode(rules, ann, slow, 10_000, 25_000)).toEqual({
      allowed: false,
      code: "RATE_LIMITED",
      rule: "moderation.slowMode",
      reason: "Slow mode is on: you may post again in 15 seconds.",
      retryAfterSeconds: 15,
    });
    expect(checkSlowMode(rules, ann, slow, 10_000, 40_000).allowed).toBe(true);
    expect(checkSlowMode(rules, ann, slow, null, 10_000).allowed).toBe(true);
    expect(checkSlowMode(rules, rivera, slow, 10_000, 10_001).allowed).toBe(true);
    expect(checkSlowMode(rules, ann, makeConversation({ kind: "group" }), 10_000, 10_001).allowed).toBe(true);
  });
});

describe("supervision", () => {
  const withStudent = makeConversation({
    kind: "direct",
    peer: ann,
    memberRoles: [
      { role: "teacher", isStaff: true },
      { role: "student", isStaff: false },
    ],
  });
  const adultsOnly = makeConversation({
    kind: "direct",
    peer: pat,
    memberRoles: [
      { role: "teacher", isStaff: true },
      { role: "parent", isStaff: false },
    ],
  });

  it("lets guidance and admins review conversations with students, and shows them as supervised", () => {
    const guidance = makePerson({ id: "g", role: "guidance", isStaff: true });
    expect(canSupervise(rules, guidance, withStudent).allowed).toBe(true);
    expect(isSupervised(rules, withStudent)).toBe(true);
    expect(canSupervise(rules, rivera, withStudent)).toMatchObject({
      allowed: false,
      reason: "Only admins and guidance counsellors may review student conversations.",
    });
  });

  it("keeps conversations among adults private", () => {
    const admin = makePerson({ id: "adm", role: "admin", isStaff: true });
    expect(isSupervised(rules, adultsOnly)).toBe(false);
    expect(canSupervise(rules, admin, adultsOnly)).toMatchObject({
      allowed: false,
      rule: "supervision.scope",
    });
  });
});

describe("presence", () => {
  it("is visible to people who share a direct, group, section or support conversation", () => {
    expect(canViewPresence(pat, rivera, ["primary", "direct"]).allowed).toBe(true);
    expect(canViewPresence(pat, rivera, ["primary", "announcement"]).allowed).toBe(false);
    expect(canViewPresence(pat, pat, []).allowed).toBe(true);
  });
});

describe("relationships", () => {
  it("are derived from sections and guardian links", () => {
    expect(relationshipBetween(pat, rivera)).toMatchObject({ parentOfStudentOf: true, parentOf: false });
    expect(relationshipBetween(rivera, pat)).toMatchObject({ teacherOfChildOf: true });
    expect(relationshipBetween(pat, ann)).toMatchObject({ parentOf: true });
    expect(relationshipBetween(ann, ben)).toMatchObject({
      classmateOf: true,
      parentOf: false,
      childOf: false,
    });
    expect(relationshipBetween(rivera, ann)).toMatchObject({ teacherOf: true });
    expect(relationshipBetween(ann, okafor)).toMatchObject({ studentOf: false, classmateOf: false });
  });
});

describe("refusals name who may", () => {
  it("in plain words", () => {
    expect(describeSelector([])).toBe("nobody");
    expect(describeSelector(["@staff"])).toBe("staff");
    expect(describeSelector(["admin", "principal", "coordinator"])).toBe(
      "admins, the principal and coordinators",
    );
    expect(describeSelector(["@staff", "librarian"])).toBe("staff and librarian");
  });
});
