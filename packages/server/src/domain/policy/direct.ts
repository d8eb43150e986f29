import { classOf, describeSelector, selects } from "./classify.ts";
import { ALLOWED, type Decision, deny } from "./decision.ts";
import type { Person } from "./facts.ts";
import { relationshipBetween } from "./relationship.ts";
import type { PolicyRules } from "./rules.ts";

const PARENTS_ONLY_OWN_CHILDREN = "invariant.parentsOnlyOwnChildren";

function parentsMayMessageReason(rules: PolicyRules): string {
  const teachers = rules.direct.parentsMayMessageTeachersOfOwnChildren
    ? ["the teachers of their own children"]
    : [];
  const whom = [...teachers, ...rules.direct.parentsMayMessage];
  return whom.length === 0
    ? "Parents may not start conversations with staff at this school."
    : `Parents may message ${describeSelector(whom)}.`;
}

/**
 * Whether `actor` may start a direct conversation with `target` (and so message them first).
 * Directional: staff may message anyone, but a parent may not open a conversation with every
 * teacher even though every teacher may open one with them. Replies inside an existing
 * conversation are `canPost`'s question.
 */
export function canOpenDirect(rules: PolicyRules, actor: Person, target: Person): Decision {
  if (actor.id === target.id)
    return deny("direct.self", "A direct conversation needs another person.", "SELF_CONVERSATION");
  const from = classOf(rules, actor);
  if (from === "staff") return ALLOWED;
  const to = classOf(rules, target);
  const ties = relationshipBetween(actor, target);
  switch (from) {
    case "student":
      return fromStudent(rules, target, to, ties.childOf, ties.classmateOf);
    case "parent":
      return fromParent(rules, target, to, ties.parentOf, ties.parentOfStudentOf);
    default:
      if (to === "student")
        return deny(
          "invariant.othersNeverStudents",
          "Only staff, classmates and family may message students.",
        );
      return selects(rules, rules.direct.othersMayMessage, target)
        ? ALLOWED
        : deny(
            "direct.othersMayMessage",
            `You may message ${describeSelector(rules.direct.othersMayMessage)}.`,
          );
  }
}

function fromStudent(
  rules: PolicyRules,
  target: Person,
  to: ReturnType<typeof classOf>,
  childOf: boolean,
  classmates: boolean,
): Decision {
  switch (to) {
    case "staff":
      return selects(rules, rules.direct.studentsMayMessage, target)
        ? ALLOWED
        : deny(
            "direct.studentsMayMessage",
            `Students may message ${describeSelector(rules.direct.studentsMayMessage)}.`,
          );
    case "student":
      switch (rules.direct.studentToStudent) {
        case "any":
          return ALLOWED;
        case "same-section":
          return classmates
            ? ALLOWED
            : deny(
                "direct.studentToStudent",
                "Students may message only classmates who share a section with them.",
              );
        default:
          return deny(
            "direct.studentToStudent",
            "Students may not message other students directly; talk in your section or in a group run by staff.",
          );
      }
    case "parent":
      if (!childOf)
        return deny("invariant.studentsOnlyOwnParents", "Students may message their own parents only.");
      return rules.direct.familyMessages
        ? ALLOWED
        : deny(
            "direct.familyMessages",
            "Messages between parents and their children are switched off at this school.",
          );
    default:
      return deny(
        "invariant.studentsOnlyKnownPeople",
        "Students may message staff, and other people only as family.",
      );
  }
}

function fromParent(
  rules: PolicyRules,
  target: Person,
  to: ReturnType<typeof classOf>,
  parentOf: boolean,
  teachesMyChild: boolean,
): Decision {
  if (to === "student") {
    if (!parentOf)
      return deny(PARENTS_ONLY_OWN_CHILDREN, "Parents may message their own children, not other students.");
    return rules.direct.familyMessages
      ? ALLOWED
      : deny(
          "direct.familyMessages",
          "Messages between parents and their children are switched off at this school.",
        );
  }
  if (selects(rules, rules.direct.parentsMayMessage, target)) return ALLOWED;
  if (to === "staff" && teachesMyChild && rules.direct.parentsMayMessageTeachersOfOwnChildren) return ALLOWED;
  return deny(
    teachesMyChild && to === "staff"
      ? "direct.parentsMayMessageTeachersOfOwnChildren"
      : "direct.parentsMayMessage",
    parentsMayMessageReason(rules),
  );
}
