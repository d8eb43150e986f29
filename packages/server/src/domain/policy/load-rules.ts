import type { z } from "zod";
import {
  DEFAULT_RULES_DATA,
  type PolicyOverrides,
  PolicyOverridesSchema,
  type PolicyRules,
  PolicyRulesShape,
  type RoleSelector,
  RULE_SECTIONS,
} from "./rules.ts";

/** One thing wrong with a rules file: where (a dotted path) and what. */
export interface PolicyRulesIssue {
  readonly path: string;
  readonly message: string;
}

/** A rules object or file that cannot be used; the message lists every issue, one a line. */
export class PolicyRulesError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly PolicyRulesIssue[],
  ) {
    super(
      `Invalid messaging policy (${source}):\n${issues.map((i) => `- ${i.path || "(top level)"}: ${i.message}`).join("\n")}`,
    );
    this.name = "PolicyRulesError";
  }
}

type Section = keyof typeof RULE_SECTIONS;

/**
 * Settings that would let a school switch off a safeguard, refused with the reason. Students
 * and parents never reach each other except as a family; broadcasting, moderating and
 * supervising are staff work.
 */
const GUARDED_SELECTORS: ReadonlyArray<{
  section: Section;
  key: string;
  refuse: { students: boolean; parents: boolean; everyone: boolean };
  why: string;
}> = [
  {
    section: "direct",
    key: "studentsMayMessage",
    refuse: { students: true, parents: true, everyone: true },
    why: "this list is the staff students may message; students reach other students through direct.studentToStudent and their own parents through direct.familyMessages",
  },
  {
    section: "direct",
    key: "parentsMayMessage",
    refuse: { students: true, parents: false, everyone: true },
    why: "parents reach students only as their own children (direct.familyMessages)",
  },
  {
    section: "direct",
    key: "othersMayMessage",
    refuse: { students: true, parents: false, everyone: true },
    why: "people who are neither staff nor parents never message students",
  },
  {
    section: "primary",
    key: "posters",
    refuse: { students: true, parents: true, everyone: true },
    why: "every student and parent is in the school-wide group, so only staff post in it",
  },
  {
    section: "announcements",
    key: "schoolWide",
    refuse: { students: true, parents: true, everyone: true },
    why: "school-wide announcements reach students and parents alike, so only staff make them",
  },
  {
    section: "moderation",
    key: "moderators",
    refuse: { students: true, parents: true, everyone: true },
    why: "moderators are staff",
  },
  {
    section: "supervision",
    key: "supervisors",
    refuse: { students: true, parents: true, everyone: true },
    why: "supervisors are staff",
  },
];

function crossFieldIssues(rules: PolicyRules): PolicyRulesIssue[] {
  const issues: PolicyRulesIssue[] = [];
  const students = new Set(rules.roles.students);
  const parents = new Set(rules.roles.parents);
  for (const role of rules.roles.parents)
    if (students.has(role))
      issues.push({ path: "roles.parents", message: `"${role}" cannot be both a student and a parent role` });
  for (const guard of GUARDED_SELECTORS) {
    const selector = (rules[guard.section] as Record<string, RoleSelector>)[guard.key] ?? [];
    selector.forEach((entry, index) => {
      const refused =
        (guard.refuse.everyone && entry === "@everyone") ||
        (guard.refuse.students && (entry === "@students" || students.has(entry))) ||
        (guard.refuse.parents && (entry === "@parents" || parents.has(entry)));
      if (refused)
        issues.push({
          path: `${guard.section}.${guard.key}.${index}`,
          message: `"${entry}" is not allowed here: ${guard.why}`,
        });
    });
  }
  rules.support.desks.forEach((desk, index) => {
    if (students.has(desk) || parents.has(desk))
      issues.push({
        path: `support.desks.${index}`,
        message: `"${desk}" is not allowed here: support desks are answered by staff`,
      });
  });
  return issues;
}

function zodIssues(error: z.ZodError): PolicyRulesIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * A school's rules: its overrides merged over `base` (the defaults), section by section and
 * setting by setting, then checked as a whole. Throws PolicyRulesError, never anything else,
 * naming every wrong setting. The result is frozen.
 */
export function resolvePolicyRules(
  overrides: unknown = {},
  source = "policy rules",
  base: PolicyRules = DEFAULT_RULES_DATA,
): PolicyRules {
  const parsed = PolicyOverridesSchema.safeParse(overrides);
  if (!parsed.success) throw new PolicyRulesError(source, zodIssues(parsed.error));
  const merged: Record<string, unknown> = { version: 1 };
  for (const section of Object.keys(RULE_SECTIONS) as Section[]) {
    const given = Object.entries(parsed.data[section] ?? {}).filter(([, value]) => value !== undefined);
    merged[section] = { ...base[section], ...Object.fromEntries(given) };
  }
  const complete = PolicyRulesShape.safeParse(merged);
  if (!complete.success) throw new PolicyRulesError(source, zodIssues(complete.error));
  const conflicts = crossFieldIssues(complete.data);
  if (conflicts.length > 0) throw new PolicyRulesError(source, conflicts);
  return deepFreeze(complete.data);
}

/**
 * Rules from the text of a JSON policy file (what `HALLWAY_POLICY_FILE` points at): invalid
 * JSON and invalid rules both end in a PolicyRulesError that names the file.
 */
export function parsePolicyRulesJson(text: string, source = "policy file"): PolicyRules {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PolicyRulesError(source, [
      { path: "", message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` },
    ]);
  }
  return resolvePolicyRules(data, source);
}

/** Hallway's default messaging policy, checked and frozen. */
export const DEFAULT_POLICY_RULES: PolicyRules = resolvePolicyRules({}, "defaults");

/** Typed overrides for code (tests, a school's own wrapper); the same checks as a file. */
export function withOverrides(
  overrides: PolicyOverrides,
  base: PolicyRules = DEFAULT_POLICY_RULES,
): PolicyRules {
  return resolvePolicyRules(overrides, "overrides", base);
}
