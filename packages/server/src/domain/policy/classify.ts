import type { RoleFacts } from "./facts.ts";
import type { PolicyRules, RoleSelector } from "./rules.ts";

/**
 * The four kinds of people the policy tells apart. Staff comes from the role's `is_staff`
 * flag and wins; students and parents are the roles the rules list; anyone else (a school's
 * own non-staff role) is `other` and gets the narrowest rights.
 */
export type PersonClass = "staff" | "student" | "parent" | "other";

export function classOf(rules: PolicyRules, who: RoleFacts): PersonClass {
  if (who.isStaff) return "staff";
  if (rules.roles.students.includes(who.role)) return "student";
  if (rules.roles.parents.includes(who.role)) return "parent";
  return "other";
}

/** Whether a role selector covers this person. */
export function selects(rules: PolicyRules, selector: RoleSelector, who: RoleFacts): boolean {
  for (const entry of selector) {
    if (entry === who.role || entry === "@everyone") return true;
    if (entry === "@staff" && who.isStaff) return true;
    if (entry === "@students" && classOf(rules, who) === "student") return true;
    if (entry === "@parents" && classOf(rules, who) === "parent") return true;
  }
  return false;
}

const LABELS: Readonly<Record<string, string>> = {
  "@staff": "staff",
  "@students": "students",
  "@parents": "parents",
  "@everyone": "everyone",
  admin: "admins",
  principal: "the principal",
  coordinator: "coordinators",
  teacher: "teachers",
  student: "students",
  parent: "parents",
  guidance: "guidance counsellors",
  registrar: "the registrar",
  accounting: "accounting",
};

/** A selector in words for a refusal: `["admin", "principal"]` → "admins and the principal". */
export function describeSelector(selector: readonly string[], conjunction: "and" | "or" = "and"): string {
  const words = [...new Set(selector.map((entry) => LABELS[entry] ?? entry))];
  if (words.length === 0) return "nobody";
  if (words.length === 1) return words[0]!;
  return `${words.slice(0, -1).join(", ")} ${conjunction} ${words.at(-1)}`;
}

/** "Only admins and the principal may …", or "Nobody may … at this school." when the list is empty. */
export function onlyMay(selector: readonly string[], action: string): string {
  return selector.length === 0
    ? `Nobody may ${action} at this school.`
    : `Only ${describeSelector(selector)} may ${action}.`;
}
