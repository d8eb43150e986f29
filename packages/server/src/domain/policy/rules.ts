import { z } from "zod";

/*
 * The messaging policy as data. A school changes it with a partial rules object (see
 * load-rules.ts); docs/policy.md explains every field. No more than two levels deep, so a
 * school's override merges field by field and reads like the defaults.
 */

/** Words a role selector may use besides role names. Role names cannot start with `@`. */
export const ROLE_CLASS_TOKENS = ["@staff", "@students", "@parents", "@everyone"] as const;
export type RoleClassToken = (typeof ROLE_CLASS_TOKENS)[number];

const SELECTOR_ENTRY = /^(?:@(?:staff|students|parents|everyone)|[a-z][a-z0-9_-]{1,31})$/;

/**
 * Whom a rule covers: role names (`"teacher"`) and class tokens — `@staff` (any role whose
 * `is_staff` is true), `@students`, `@parents` (the roles listed under `roles`), `@everyone`.
 */
export const RoleSelector = z
  .array(
    z.string().regex(SELECTOR_ENTRY, "expected a role name or one of @staff, @students, @parents, @everyone"),
  )
  .max(64);
export type RoleSelector = z.infer<typeof RoleSelector>;

const RoleList = z
  .array(
    z
      .string()
      .regex(/^[a-z][a-z0-9_-]{1,31}$/, "expected a role name (lower-case letters, digits, '_' or '-')"),
  )
  .max(64);

const RolesRules = z.strictObject({
  /** Roles treated as students (children): the people the policy protects most. */
  students: RoleList,
  /** Roles treated as parents (guardians). */
  parents: RoleList,
});

const DirectRules = z.strictObject({
  /** Staff roles a student may message. Only staff count: other students and parents have their own rules. */
  studentsMayMessage: RoleSelector,
  /** Student-to-student direct messages: off, between students sharing a section, or any. */
  studentToStudent: z.enum(["off", "same-section", "any"]),
  /** Parents and their own children may message each other. */
  familyMessages: z.boolean(),
  /** Roles a parent may message whoever they are (never students: see familyMessages). */
  parentsMayMessage: RoleSelector,
  /** Parents may message the staff who teach their own children's sections. */
  parentsMayMessageTeachersOfOwnChildren: z.boolean(),
  /** Roles people of a school's own non-staff roles (neither student nor parent) may message. */
  othersMayMessage: RoleSelector,
});

const GroupRules = z.strictObject({
  /** Who may create groups, and so add people to the groups they run and make invites. */
  creators: RoleSelector,
});

const SectionRules = z.strictObject({
  /** A section may have a parents' group (its teachers and its students' parents). */
  parentGroups: z.boolean(),
});

const PrimaryRules = z.strictObject({
  /** Who may post (and reply) in the school-wide group, which every user is in. Staff only. */
  posters: RoleSelector,
  /** Who may react in the school-wide group. */
  reactors: RoleSelector,
});

const AnnouncementRules = z.strictObject({
  /** Who may announce to the whole school or to any roles and sections. Staff only. */
  schoolWide: RoleSelector,
  /** Staff who teach sections may announce to those sections (and their parents). */
  sectionTeachers: z.boolean(),
  /** Who in an audience may reply in an announcement's thread. */
  audienceMayReply: RoleSelector,
  /** Who in an audience may react to an announcement. */
  audienceMayReact: RoleSelector,
});

const SupportRules = z.strictObject({
  /** Staff roles that answer support conversations. */
  desks: RoleList,
  /** Who may open a support conversation. */
  openers: RoleSelector,
});

const MentionRules = z.strictObject({
  /** Who may mention @everyone in a conversation they may post in. */
  everyone: RoleSelector,
});

const ModerationRules = z.strictObject({
  /** Staff who moderate every conversation (remove messages, mute, ban) and work the moderation queue. */
  moderators: RoleSelector,
  /** Who slow mode does not hold back. */
  slowModeExempt: RoleSelector,
});

const SupervisionRules = z.strictObject({
  /** Staff who may review conversations that involve students. Staff only. */
  supervisors: RoleSelector,
});

/** The sections of the rules object, each a flat record of settings. */
export const RULE_SECTIONS = {
  roles: RolesRules,
  direct: DirectRules,
  groups: GroupRules,
  sections: SectionRules,
  primary: PrimaryRules,
  announcements: AnnouncementRules,
  support: SupportRules,
  mentions: MentionRules,
  moderation: ModerationRules,
  supervision: SupervisionRules,
} as const;

/** A complete rules object, before the cross-field checks of `PolicyRulesSchema`. */
export const PolicyRulesShape = z.strictObject({ version: z.literal(1), ...RULE_SECTIONS });

/** The complete messaging policy of a school. */
export type PolicyRules = z.infer<typeof PolicyRulesShape>;

/**
 * What a school writes: any subset of the sections, each any subset of its settings. Arrays
 * replace the default list; they are not appended to.
 */
export const PolicyOverridesSchema = z.strictObject({
  version: z.literal(1).optional(),
  roles: RolesRules.partial().optional(),
  direct: DirectRules.partial().optional(),
  groups: GroupRules.partial().optional(),
  sections: SectionRules.partial().optional(),
  primary: PrimaryRules.partial().optional(),
  announcements: AnnouncementRules.partial().optional(),
  support: SupportRules.partial().optional(),
  mentions: MentionRules.partial().optional(),
  moderation: ModerationRules.partial().optional(),
  supervision: SupervisionRules.partial().optional(),
});
export type PolicyOverrides = z.input<typeof PolicyOverridesSchema>;

/** Hallway's defaults: what a school gets without a policy file. docs/policy.md shows them as tables. */
export const DEFAULT_RULES_DATA: PolicyRules = {
  version: 1,
  roles: { students: ["student"], parents: ["parent"] },
  direct: {
    studentsMayMessage: ["@staff"],
    studentToStudent: "off",
    familyMessages: true,
    parentsMayMessage: ["guidance", "registrar", "accounting", "principal", "admin"],
    parentsMayMessageTeachersOfOwnChildren: true,
    othersMayMessage: ["@staff"],
  },
  groups: { creators: ["@staff"] },
  sections: { parentGroups: false },
  primary: { posters: ["admin", "principal", "coordinator"], reactors: ["@everyone"] },
  announcements: {
    schoolWide: ["admin", "principal", "coordinator"],
    sectionTeachers: true,
    audienceMayReply: [],
    audienceMayReact: ["@everyone"],
  },
  support: { desks: ["guidance", "registrar", "accounting", "admin"], openers: ["@everyone"] },
  mentions: { everyone: ["@staff"] },
  // The moderation queue is for admins and guidance (the words); the principal moderates too.
  moderation: { moderators: ["admin", "principal", "guidance"], slowModeExempt: ["@staff"] },
  supervision: { supervisors: ["admin", "guidance"] },
};
