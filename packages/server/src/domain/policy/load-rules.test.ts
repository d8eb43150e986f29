import { describe, expect, it } from "vitest";
import {
  DEFAULT_POLICY_RULES,
  PolicyRulesError,
  parsePolicyRulesJson,
  resolvePolicyRules,
  withOverrides,
} from "./index.ts";

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyRulesError);
    return (error as PolicyRulesError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a PolicyRulesError");
}

describe("the default rules", () => {
  it("say what the issue says", () => {
    const r = DEFAULT_POLICY_RULES;
    expect(r.direct.studentToStudent).toBe("off");
    expect(r.direct.studentsMayMessage).toEqual(["@staff"]);
    expect(r.direct.parentsMayMessage).toEqual(["guidance", "registrar", "accounting", "principal", "admin"]);
    expect(r.direct.parentsMayMessageTeachersOfOwnChildren).toBe(true);
    expect(r.groups.creators).toEqual(["@staff"]);
    expect(r.announcements.schoolWide).toEqual(["admin", "principal", "coordinator"]);
    expect(r.announcements.sectionTeachers).toBe(true);
  });

  it("are frozen, so no caller can change the school's policy by accident", () => {
    expect(Object.isFrozen(DEFAULT_POLICY_RULES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY_RULES.direct.parentsMayMessage)).toBe(true);
    expect(() => (DEFAULT_POLICY_RULES.groups.creators as string[]).push("student")).toThrow(TypeError);
  });

  it("are what an empty policy file gives", () => {
    expect(parsePolicyRulesJson("{}")).toEqual(DEFAULT_POLICY_RULES);
    expect(resolvePolicyRules(undefined)).toEqual(DEFAULT_POLICY_RULES);
  });
});

describe("a school's overrides", () => {
  it("merge setting by setting over the defaults, leaving the rest alone", () => {
    const r = withOverrides({ direct: { studentToStudent: "same-section" } });
    expect(r.direct.studentToStudent).toBe("same-section");
    expect(r.direct.parentsMayMessage).toEqual(DEFAULT_POLICY_RULES.direct.parentsMayMessage);
    expect(r.groups).toEqual(DEFAULT_POLICY_RULES.groups);
  });

  it("replace lists rather than append to them", () => {
    const r = withOverrides({ announcements: { schoolWide: ["principal"] } });
    expect(r.announcements.schoolWide).toEqual(["principal"]);
  });

  it("may name a school's own roles", () => {
    const r = parsePolicyRulesJson(
      JSON.stringify({
        roles: { students: ["student", "prefect"] },
        supervision: { supervisors: ["safeguarding-lead"] },
      }),
    );
    expect(r.roles.students).toEqual(["student", "prefect"]);
    expect(r.supervision.supervisors).toEqual(["safeguarding-lead"]);
  });

  it("may carry the version", () => {
    expect(resolvePolicyRules({ version: 1 })).toEqual(DEFAULT_POLICY_RULES);
  });
});

describe("a wrong rules file gets a clear error naming every wrong setting", () => {
  it("invalid JSON", () => {
    expect(() => parsePolicyRulesJson("{ direct: ", "/etc/hallway/policy.json")).toThrow(
      /Invalid messaging policy \(\/etc\/hallway\/policy\.json\):\n- \(top level\): not valid JSON/,
    );
  });

  it("not an object", () => {
    expect(issuesOf(() => parsePolicyRulesJson("[]"))).toEqual([
      expect.stringMatching(/^: .*expected object/),
    ]);
    expect(issuesOf(() => resolvePolicyRules(null))).toHaveLength(1);
  });

  it("a misspelt section or setting", () => {
    expect(issuesOf(() => resolvePolicyRules({ drect: {} }))).toEqual([expect.stringContaining('"drect"')]);
    expect(issuesOf(() => resolvePolicyRules({ direct: { studentDMs: "any" } }))).toEqual([
      expect.stringMatching(/^direct: .*"studentDMs"/),
    ]);
  });

  it("a value of the wrong kind, each one named", () => {
    const issues = issuesOf(() =>
      resolvePolicyRules({
        direct: { studentToStudent: "sometimes", familyMessages: "yes" },
        groups: { creators: "@staff" },
        version: 2,
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^direct\.studentToStudent: .*"off"\|"same-section"\|"any"/),
        expect.stringMatching(/^direct\.familyMessages: .*boolean/),
        expect.stringMatching(/^groups\.creators: .*array/),
        expect.stringMatching(/^version: /),
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it("a role selector entry that is neither a role nor a class", () => {
    expect(issuesOf(() => withOverrides({ groups: { creators: ["@teachers", "Teacher"] } }))).toEqual([
      "groups.creators.0: expected a role name or one of @staff, @students, @parents, @everyone",
      "groups.creators.1: expected a role name or one of @staff, @students, @parents, @everyone",
    ]);
  });

  it("letting parents message students", () => {
    expect(issuesOf(() => withOverrides({ direct: { parentsMayMessage: ["admin", "student"] } }))).toEqual([
      'direct.parentsMayMessage.1: "student" is not allowed here: parents reach students only as their own children (direct.familyMessages)',
    ]);
    expect(issuesOf(() => withOverrides({ direct: { parentsMayMessage: ["@everyone"] } }))).toHaveLength(1);
  });

  it("letting students reach students or parents through the staff list", () => {
    expect(
      issuesOf(() => withOverrides({ direct: { studentsMayMessage: ["@staff", "@students", "parent"] } })),
    ).toEqual([
      expect.stringMatching(
        /^direct\.studentsMayMessage\.1: "@students" is not allowed here: .*studentToStudent/,
      ),
      expect.stringMatching(/^direct\.studentsMayMessage\.2: "parent" is not allowed here: .*familyMessages/),
    ]);
  });

  it("a school's own student role counts as a student role everywhere", () => {
    expect(
      issuesOf(() =>
        withOverrides({
          roles: { students: ["student", "prefect"] },
          direct: { parentsMayMessage: ["prefect"] },
        }),
      ),
    ).toEqual([expect.stringMatching(/^direct\.parentsMayMessage\.0: "prefect"/)]);
  });

  it("handing broadcasting, moderation or supervision to students or parents", () => {
    const issues = issuesOf(() =>
      withOverrides({
        primary: { posters: ["@everyone"] },
        announcements: { schoolWide: ["admin", "@parents"] },
        moderation: { moderators: ["student"] },
        supervision: { supervisors: ["parent"] },
        support: { desks: ["student"] },
      }),
    );
    expect(issues.map((i) => i.split(":")[0])).toEqual([
      "primary.posters.0",
      "announcements.schoolWide.1",
      "moderation.moderators.0",
      "supervision.supervisors.0",
      "support.desks.0",
    ]);
  });

  it("a role that is both a student and a parent role", () => {
    expect(issuesOf(() => withOverrides({ roles: { parents: ["parent", "student"] } }))).toEqual([
      'roles.parents: "student" cannot be both a student and a parent role',
    ]);
  });

  it("the message lists every issue, one a line, so an operator fixes them in one go", () => {
    try {
      resolvePolicyRules({ direct: { studentToStudent: 1, familyMessages: 2 } }, "policy.json");
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message.split("\n")).toEqual([
        "Invalid messaging policy (policy.json):",
        expect.stringMatching(/^- direct\.studentToStudent: /),
        expect.stringMatching(/^- direct\.familyMessages: /),
      ]);
    }
  });
});
