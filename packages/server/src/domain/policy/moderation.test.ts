import { describe, expect, it } from "vitest";
import {
  ALLOWED,
  canModerate,
  canPin,
  canReviewReports,
  canSanction,
  GROUP_ADMIN,
  MEMBER,
  makeConversation,
  makePerson,
  NOT_A_MEMBER,
  newGroupFacts,
  DEFAULT_POLICY_RULES as rules,
  withOverrides,
} from "./index.ts";

const staff = (id: string, role: string, taught: string[] = []) =>
  makePerson({ id, role, isStaff: true, taughtSectionIds: taught });
const admin = staff("adm", "admin");
const principal = staff("pri", "principal");
const guidance = staff("gui", "guidance");
const rivera = staff("rivera", "teacher", ["7A"]);
const okafor = staff("okafor", "teacher", ["9C"]);
const registrar = staff("reg", "registrar");
const ann = makePerson({ id: "ann", role: "student", isStaff: false, enrolledSectionIds: ["7A"] });
const pat = makePerson({ id: "pat", role: "parent", isStaff: false, childIds: ["ann"] });

const section7A = makeConversation({ kind: "section", sectionId: "7A" });
const riverasGroup = newGroupFacts(rivera);
const direct = makeConversation({ kind: "direct", peer: ann });

describe("the moderation queue", () => {
  it("is for admins and guidance (and the principal), by default", () => {
    for (const who of [admin, guidance, principal]) expect(canReviewReports(rules, who).allowed).toBe(true);
    for (const who of [rivera, registrar, ann, pat])
      expect(canReviewReports(rules, who)).toMatchObject({
        allowed: false,
        code: "FORBIDDEN",
        rule: "moderation.moderators",
      });
  });

  it("follows the school's moderators setting, and never opens to people who are not staff", () => {
    const onlyAdmins = withOverrides({ moderation: { moderators: ["admin"] } });
    expect(canReviewReports(onlyAdmins, admin).allowed).toBe(true);
    expect(canReviewReports(onlyAdmins, guidance).allowed).toBe(false);
    // A role selector that names a non-staff role cannot get past the staff check.
    const sloppy = { ...rules, moderation: { ...rules.moderation, moderators: ["@everyone"] } };
    expect(canReviewReports(sloppy, ann).allowed).toBe(false);
    expect(canReviewReports(sloppy, rivera).allowed).toBe(true);
  });

  it("guidance moderates everywhere, like admins, without being a member", () => {
    for (const c of [section7A, riverasGroup, direct])
      expect(canModerate(rules, guidance, c, NOT_A_MEMBER).allowed).toBe(true);
  });
});

describe("muting and banning", () => {
  it("a moderator may sanction a member who does not moderate", () => {
    expect(canSanction(rules, rivera, section7A, MEMBER, ann, MEMBER).allowed).toBe(true);
    expect(canSanction(rules, rivera, riverasGroup, GROUP_ADMIN, pat, MEMBER).allowed).toBe(true);
    expect(canSanction(rules, admin, direct, NOT_A_MEMBER, pat, MEMBER).allowed).toBe(true);
  });

  it("someone who does not moderate may not, whoever the target", () => {
    expect(canSanction(rules, okafor, section7A, MEMBER, ann, MEMBER)).toMatchObject({ code: "FORBIDDEN" });
    expect(canSanction(rules, ann, riverasGroup, GROUP_ADMIN, pat, MEMBER)).toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("moderators are not sanctioned: not by another moderator, not by themselves", () => {
    expect(canSanction(rules, rivera, section7A, MEMBER, principal, NOT_A_MEMBER)).toMatchObject({
      allowed: false,
      rule: "moderation.moderators",
    });
    expect(canSanction(rules, admin, riverasGroup, NOT_A_MEMBER, rivera, GROUP_ADMIN)).toMatchObject({
      allowed: false,
      rule: "moderation.moderators",
    });
    expect(canSanction(rules, admin, section7A, NOT_A_MEMBER, admin, NOT_A_MEMBER)).toMatchObject({
      allowed: false,
      rule: "moderation.self",
    });
    // A teacher who is only a member of a colleague's group may be muted there.
    expect(canSanction(rules, rivera, riverasGroup, GROUP_ADMIN, okafor, MEMBER).allowed).toBe(true);
  });
});

describe("pinning", () => {
  const refused = { allowed: false, code: "FORBIDDEN", rule: "x", reason: "no" } as const;
  const support = makeConversation({ kind: "support" });

  it("is for those who run the conversation: a section's teacher, a group's staff admin, moderators", () => {
    expect(canPin(rules, rivera, section7A, MEMBER, ALLOWED).allowed).toBe(true);
    expect(canPin(rules, rivera, riverasGroup, GROUP_ADMIN, ALLOWED).allowed).toBe(true);
    expect(canPin(rules, guidance, riverasGroup, MEMBER, ALLOWED).allowed).toBe(true);
  });

  it("not for students, parents or staff who are only members of someone else's group", () => {
    expect(canPin(rules, ann, section7A, MEMBER, ALLOWED)).toMatchObject({
      allowed: false,
      rule: "pins.moderators",
    });
    expect(canPin(rules, okafor, riverasGroup, MEMBER, ALLOWED)).toMatchObject({ allowed: false });
    expect(canPin(rules, okafor, section7A, MEMBER, ALLOWED)).toMatchObject({ allowed: false });
    // Not a member: not even a moderator pins from outside.
    expect(canPin(rules, guidance, riverasGroup, NOT_A_MEMBER, ALLOWED)).toMatchObject({
      rule: "pins.members",
    });
  });

  it("in a direct conversation either person, while they may write there; in support the desk's staff", () => {
    expect(canPin(rules, ann, direct, MEMBER, ALLOWED).allowed).toBe(true);
    expect(canPin(rules, ann, direct, MEMBER, refused).allowed).toBe(false);
    expect(canPin(rules, registrar, support, MEMBER, ALLOWED).allowed).toBe(true);
    expect(canPin(rules, pat, support, MEMBER, ALLOWED).allowed).toBe(false);
  });
});
