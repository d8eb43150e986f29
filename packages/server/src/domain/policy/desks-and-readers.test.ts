import { describe, expect, it } from "vitest";
import {
  canHandleSupport,
  canPost,
  canReact,
  canSeeReaders,
  canViewSupportQueue,
  MEMBER,
  makeConversation,
  makePerson,
  NOT_A_MEMBER,
  DEFAULT_POLICY_RULES as rules,
} from "./index.ts";

const pat = makePerson({
  id: "pat",
  role: "parent",
  isStaff: false,
  childIds: ["ann"],
  childSectionIds: ["7A"],
});
const ann = makePerson({ id: "ann", role: "student", isStaff: false, enrolledSectionIds: ["7A"] });
const rivera = makePerson({ id: "rivera", role: "teacher", isStaff: true, taughtSectionIds: ["7A"] });
const okafor = makePerson({ id: "okafor", role: "teacher", isStaff: true, taughtSectionIds: ["9C"] });
const reg = makePerson({ id: "reg", role: "registrar", isStaff: true });
const acc = makePerson({ id: "acc", role: "accounting", isStaff: true });
const admin = makePerson({ id: "adm", role: "admin", isStaff: true });
const principal = makePerson({ id: "pri", role: "principal", isStaff: true });

describe("who sees who has read an announcement", () => {
  const section = { roles: null, sectionIds: ["7A"] };

  it("its author, whoever may announce to its audience, and admins, members or not", () => {
    expect(canSeeReaders(rules, rivera, section, { isAuthor: true, member: true }).allowed).toBe(true);
    expect(canSeeReaders(rules, principal, section, { isAuthor: false, member: false }).allowed).toBe(true);
    expect(canSeeReaders(rules, admin, section, { isAuthor: false, member: false }).allowed).toBe(true);
    // A teacher who no longer teaches the section still sees their own announcement's readers.
    expect(canSeeReaders(rules, okafor, section, { isAuthor: true, member: true }).allowed).toBe(true);
  });

  it("the audience is refused with a reason; outsiders are told it does not exist", () => {
    expect(canSeeReaders(rules, pat, section, { isAuthor: false, member: true })).toMatchObject({
      allowed: false,
      code: "FORBIDDEN",
      rule: "announcements.readers",
    });
    expect(canSeeReaders(rules, okafor, section, { isAuthor: false, member: false })).toMatchObject({
      code: "CONVERSATION_NOT_FOUND",
    });
  });
});

describe("support desks", () => {
  const ticket = makeConversation({ kind: "support", supportDesk: "registrar", requesterId: "pat" });

  it("a desk's queue is for its staff and admins", () => {
    expect(canViewSupportQueue(rules, reg, "registrar").allowed).toBe(true);
    expect(canViewSupportQueue(rules, admin, "registrar").allowed).toBe(true);
    expect(canViewSupportQueue(rules, acc, "registrar")).toMatchObject({
      code: "FORBIDDEN",
      reason: "Only the registrar and admins see this desk's queue.",
    });
    expect(canViewSupportQueue(rules, pat, "registrar").allowed).toBe(false);
    // A staff role that is not a desk has no queue, even for its own members.
    expect(canViewSupportQueue(rules, rivera, "teacher")).toMatchObject({
      reason: 'There is no "teacher" support desk at this school.',
    });
  });

  it("claiming and resolving: the desk's staff; the asker and admins are refused; others see nothing", () => {
    expect(canHandleSupport(rules, reg, ticket, NOT_A_MEMBER).allowed).toBe(true);
    expect(canHandleSupport(rules, reg, ticket, MEMBER).allowed).toBe(true);
    expect(canHandleSupport(rules, pat, ticket, MEMBER)).toMatchObject({
      code: "FORBIDDEN",
      reason: "Only the registrar may claim or resolve this support conversation.",
    });
    expect(canHandleSupport(rules, admin, ticket, NOT_A_MEMBER)).toMatchObject({ code: "FORBIDDEN" });
    expect(canHandleSupport(rules, acc, ticket, NOT_A_MEMBER)).toMatchObject({
      code: "CONVERSATION_NOT_FOUND",
    });
    expect(canHandleSupport(rules, ann, ticket, NOT_A_MEMBER)).toMatchObject({
      code: "CONVERSATION_NOT_FOUND",
    });
    expect(canHandleSupport(rules, rivera, makeConversation({ kind: "group" }), MEMBER)).toMatchObject({
      code: "CONVERSATION_KIND_MISMATCH",
    });
    // A desk the school no longer has is nobody's to handle.
    const closedDesk = { ...rules, support: { ...rules.support, desks: ["guidance"] } };
    expect(canHandleSupport(closedDesk, reg, ticket, MEMBER).allowed).toBe(false);
  });
});

describe("a frozen section group", () => {
  it("is read-only for everyone in it, staff included; outsiders still see nothing", () => {
    const frozen = makeConversation({ kind: "section", sectionId: "7A", frozen: true });
    for (const who of [ann, rivera, principal])
      for (const decide of [canPost, canReact])
        expect(decide(rules, who, frozen, MEMBER)).toMatchObject({
          code: "FORBIDDEN",
          rule: "sections.active",
        });
    expect(canPost(rules, okafor, frozen, NOT_A_MEMBER)).toMatchObject({ code: "CONVERSATION_NOT_FOUND" });
    expect(canPost(rules, ann, { ...frozen, frozen: false }, MEMBER).allowed).toBe(true);
  });
});
