import { SCHOOL_ROLES, type SchoolRole } from "@hallway/protocol";
import { describe, expect, it } from "vitest";
import {
  canAddMember,
  canJoinViaInvite,
  canOpenDirect,
  canPost,
  DEFAULT_POLICY_RULES,
  GROUP_ADMIN,
  MEMBER,
  makeConversation,
  makePerson,
  type Person,
} from "./index.ts";

/*
 * Every pair of the nine roles, under every relationship between the two people, for every
 * action between two people — against the defaults. The expected outcomes come from the
 * tables below, written from the words, never from the code under test.
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

/** "a is … of b", as the directory records it. */
const RELATIONS = [
  "none",
  "parent-of",
  "child-of",
  "teacher-of",
  "student-of",
  "teacher-of-child-of",
  "parent-of-student-of",
  "classmates",
  "co-teachers",
  "co-parents",
] as const;
type Relation = (typeof RELATIONS)[number];

const MIRROR: Record<Relation, Relation> = {
  none: "none",
  "parent-of": "child-of",
  "child-of": "parent-of",
  "teacher-of": "student-of",
  "student-of": "teacher-of",
  "teacher-of-child-of": "parent-of-student-of",
  "parent-of-student-of": "teacher-of-child-of",
  classmates: "classmates",
  "co-teachers": "co-teachers",
  "co-parents": "co-parents",
};

/** A cell: always, never, or only under the listed relations. */
type Cell = "yes" | "no" | readonly Relation[];
type Table = Record<SchoolRole, Record<SchoolRole, Cell>>;

function row(cells: Partial<Record<SchoolRole, Cell>>, otherwise: Cell): Record<SchoolRole, Cell> {
  return Object.fromEntries(SCHOOL_ROLES.map((r) => [r, cells[r] ?? otherwise])) as Record<SchoolRole, Cell>;
}
const STAFF_YES = Object.fromEntries(STAFF.map((r) => [r, "yes"])) as Partial<Record<SchoolRole, Cell>>;
const EVERY_ROW_FOR_STAFF = Object.fromEntries(STAFF.map((r) => [r, row({}, "yes")]));

/** Who may start a direct conversation with whom (actor row, target column). */
const OPEN_DIRECT: Table = {
  ...EVERY_ROW_FOR_STAFF,
  // Students: staff; other students off; their own parents.
  student: row({ ...STAFF_YES, parent: ["child-of"] }, "no"),
  // Parents: their own children's teachers, guidance, registrar, accounting, principal, admin; their own children.
  parent: row(
    {
      admin: "yes",
      principal: "yes",
      guidance: "yes",
      registrar: "yes",
      accounting: "yes",
      coordinator: ["parent-of-student-of"],
      teacher: ["parent-of-student-of"],
      student: ["parent-of"],
    },
    "no",
  ),
} as Table;

/** Who may be in one group with whom (a staff-created group): staff with all; parents and students only as family. */
const SHARE_GROUP: Table = {
  ...EVERY_ROW_FOR_STAFF,
  student: row({ student: "yes", parent: ["child-of"] }, "yes"),
  parent: row({ student: ["parent-of"], parent: "yes" }, "yes"),
} as Table;

/** Who may add anyone to a group they run: those who may create groups (staff). */
const ADD_TO_GROUP: Table = {
  ...EVERY_ROW_FOR_STAFF,
  student: row({}, "no"),
  parent: row({}, "no"),
} as Table;

function holds(cell: Cell, relation: Relation): boolean {
  return cell === "yes" || (cell !== "no" && cell.includes(relation));
}

function people(actorRole: SchoolRole, targetRole: SchoolRole, relation: Relation): [Person, Person] {
  const a = { id: "a", role: actorRole, isStaff: STAFF.includes(actorRole) };
  const b = { id: "b", role: targetRole, isStaff: STAFF.includes(targetRole) };
  const S = "section-1";
  switch (relation) {
    case "none":
      return [makePerson(a), makePerson(b)];
    case "parent-of":
      return [makePerson({ ...a, childIds: ["b"] }), makePerson({ ...b, parentIds: ["a"] })];
    case "child-of":
      return [makePerson({ ...a, parentIds: ["b"] }), makePerson({ ...b, childIds: ["a"] })];
    case "teacher-of":
      return [makePerson({ ...a, taughtSectionIds: [S] }), makePerson({ ...b, enrolledSectionIds: [S] })];
    case "student-of":
      return [makePerson({ ...a, enrolledSectionIds: [S] }), makePerson({ ...b, taughtSectionIds: [S] })];
    case "teacher-of-child-of":
      return [
        makePerson({ ...a, taughtSectionIds: [S] }),
        makePerson({ ...b, childIds: ["c"], childSectionIds: [S] }),
      ];
    case "parent-of-student-of":
      return [
        makePerson({ ...a, childIds: ["c"], childSectionIds: [S] }),
        makePerson({ ...b, taughtSectionIds: [S] }),
      ];
    case "classmates":
      return [makePerson({ ...a, enrolledSectionIds: [S] }), makePerson({ ...b, enrolledSectionIds: [S] })];
    case "co-teachers":
      return [makePerson({ ...a, taughtSectionIds: [S] }), makePerson({ ...b, taughtSectionIds: [S] })];
    case "co-parents":
      return [
        makePerson({ ...a, childIds: ["c"], childSectionIds: [S] }),
        makePerson({ ...b, childIds: ["c"], childSectionIds: [S] }),
      ];
  }
}

const rules = DEFAULT_POLICY_RULES;
const teacherAdmin = makePerson({ id: "run-by", role: "teacher", isStaff: true });
const staffGroup = makeConversation({ kind: "group", creator: { role: "teacher", isStaff: true } });

interface Case {
  actor: SchoolRole;
  target: SchoolRole;
  relation: Relation;
  expected: boolean;
}

function cases(expected: (actor: SchoolRole, target: SchoolRole, relation: Relation) => boolean): Case[] {
  return SCHOOL_ROLES.flatMap((actor) =>
    SCHOOL_ROLES.flatMap((target) =>
      RELATIONS.map((relation) => ({ actor, target, relation, expected: expected(actor, target, relation) })),
    ),
  );
}

const name = "$actor → $target ($relation): $expected";

describe("open a direct conversation (a starts with b)", () => {
  it.each(cases((a, b, rel) => holds(OPEN_DIRECT[a][b], rel)))(
    name,
    ({ actor, target, relation, expected }) => {
      const [a, b] = people(actor, target, relation);
      expect(canOpenDirect(rules, a, b).allowed).toBe(expected);
    },
  );
});

describe("post in an existing direct conversation (while either may message the other)", () => {
  it.each(cases((a, b, rel) => holds(OPEN_DIRECT[a][b], rel) || holds(OPEN_DIRECT[b][a], MIRROR[rel])))(
    name,
    ({ actor, target, relation, expected }) => {
      const [a, b] = people(actor, target, relation);
      expect(canPost(rules, a, makeConversation({ kind: "direct", peer: b }), MEMBER).allowed).toBe(expected);
    },
  );
});

describe("a teacher adds a to a staff-created group whose member is b", () => {
  it.each(cases((a, b, rel) => holds(SHARE_GROUP[a][b], rel)))(
    name,
    ({ actor, target, relation, expected }) => {
      const [a, b] = people(actor, target, relation);
      expect(canAddMember(rules, teacherAdmin, staffGroup, GROUP_ADMIN, a, [b]).allowed).toBe(expected);
    },
  );
});

describe("a, a group admin, adds b to a staff-created group", () => {
  it.each(cases((a, b, rel) => holds(ADD_TO_GROUP[a][b], rel)))(
    name,
    ({ actor, target, relation, expected }) => {
      const [a, b] = people(actor, target, relation);
      expect(canAddMember(rules, a, staffGroup, GROUP_ADMIN, b, []).allowed).toBe(expected);
    },
  );
});

describe("b joins a staff-created group through an invite that a made as its admin", () => {
  it.each(cases((a, b, rel) => holds(ADD_TO_GROUP[a][b], rel)))(
    name,
    ({ actor, target, relation, expected }) => {
      const [a, b] = people(actor, target, relation);
      const invite = { inviter: a, inviterMembership: GROUP_ADMIN };
      expect(canJoinViaInvite(rules, b, staffGroup, invite, []).allowed).toBe(expected);
    },
  );
});
