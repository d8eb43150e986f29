import type { MemberFacts, Person } from "./facts.ts";

/**
 * What ties person `a` to person `b` in the school directory, each read "a is … of b".
 * Several can hold at once. Mirrored: `relationshipBetween(b, a)` swaps parentOf/childOf,
 * teacherOf/studentOf and teacherOfChildOf/parentOfStudentOf.
 */
export interface Relationship {
  readonly self: boolean;
  /** a is a guardian of b. */
  readonly parentOf: boolean;
  /** b is a guardian of a. */
  readonly childOf: boolean;
  /** a teaches a section b is enrolled in. */
  readonly teacherOf: boolean;
  /** b teaches a section a is enrolled in. */
  readonly studentOf: boolean;
  /** a teaches a section one of b's children is enrolled in. */
  readonly teacherOfChildOf: boolean;
  /** b teaches a section one of a's children is enrolled in ("b teaches my child"). */
  readonly parentOfStudentOf: boolean;
  /** a and b are enrolled in a common section. */
  readonly classmateOf: boolean;
  /** a and b teach a common section. */
  readonly coTeacherOf: boolean;
  /** a and b are guardians of a common child. */
  readonly coParentOf: boolean;
}

function overlap(xs: readonly string[], ys: readonly string[]): boolean {
  if (xs.length === 0 || ys.length === 0) return false;
  const [small, large] = xs.length <= ys.length ? [xs, ys] : [ys, xs];
  const set = new Set(large);
  return small.some((x) => set.has(x));
}

function hasTies(who: MemberFacts | Person): who is Person {
  return "childIds" in who;
}

/**
 * Whether `guardian` is a guardian of `child`. Either side's links are enough, so a group
 * member loaded without ties (`MemberFacts`) is still recognised.
 */
export function isGuardianOf(guardian: MemberFacts | Person, child: MemberFacts | Person): boolean {
  return (
    (hasTies(guardian) && guardian.childIds.includes(child.id)) ||
    (hasTies(child) && child.parentIds.includes(guardian.id))
  );
}

/** The ties between two people, derived from the directory facts both carry. */
export function relationshipBetween(a: Person, b: Person): Relationship {
  return {
    self: a.id === b.id,
    parentOf: isGuardianOf(a, b),
    childOf: isGuardianOf(b, a),
    teacherOf: overlap(a.taughtSectionIds, b.enrolledSectionIds),
    studentOf: overlap(a.enrolledSectionIds, b.taughtSectionIds),
    teacherOfChildOf: overlap(a.taughtSectionIds, b.childSectionIds),
    parentOfStudentOf: overlap(a.childSectionIds, b.taughtSectionIds),
    classmateOf: overlap(a.enrolledSectionIds, b.enrolledSectionIds),
    coTeacherOf: overlap(a.taughtSectionIds, b.taughtSectionIds),
    coParentOf: overlap(a.childIds, b.childIds),
  };
}
