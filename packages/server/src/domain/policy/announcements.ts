import { classOf, describeSelector, selects } from "./classify.ts";
import { ALLOWED, type Decision, deny, notFound } from "./decision.ts";
import type { AnnouncementAudience, Person } from "./facts.ts";
import type { PolicyRules } from "./rules.ts";

/**
 * Whether a person is in an announcement's audience: their role passes the roles filter, and
 * they are enrolled in, teach, or have a child in one of the sections (when sections are given).
 */
export function inAudience(person: Person, audience: AnnouncementAudience): boolean {
  if (audience.roles !== null && !audience.roles.includes(person.role)) return false;
  if (audience.sectionIds === null) return true;
  return audience.sectionIds.some(
    (id) =>
      person.enrolledSectionIds.includes(id) ||
      person.taughtSectionIds.includes(id) ||
      person.childSectionIds.includes(id),
  );
}

/**
 * Whether `actor` may announce to `audience` (create such a channel, post in it). The
 * school-wide announcers may address anyone; a member of staff who teaches sections may
 * address those sections, their students and their parents. Only staff announce.
 */
export function canAnnounce(rules: PolicyRules, actor: Person, audience: AnnouncementAudience): Decision {
  if (actor.isStaff && selects(rules, rules.announcements.schoolWide, actor)) return ALLOWED;
  const sections = audience.sectionIds;
  const ownSections =
    rules.announcements.sectionTeachers &&
    actor.isStaff &&
    sections !== null &&
    sections.length > 0 &&
    sections.every((id) => actor.taughtSectionIds.includes(id));
  if (ownSections) return ALLOWED;
  const { schoolWide, sectionTeachers } = rules.announcements;
  const reason =
    schoolWide.length === 0
      ? sectionTeachers
        ? "Only teachers may announce, to the sections they teach."
        : "Nobody may make announcements at this school."
      : sectionTeachers
        ? `Only ${describeSelector(schoolWide)} may make school-wide announcements; teachers may announce to the sections they teach.`
        : `Only ${describeSelector(schoolWide)} may make announcements.`;
  return deny("announcements.schoolWide", reason);
}

/**
 * Whether what a non-staff person writes in a room stays on their side of the line: a
 * student's words may not reach parents or unknown adults, a parent's may not reach students
 * (family ties are not looked at in rooms this size). Staff may address any room.
 */
export function mayAddressRoom(
  rules: PolicyRules,
  actor: Person,
  memberRoles: ReadonlyArray<{ role: string; isStaff: boolean }>,
): Decision {
  const from = classOf(rules, actor);
  if (from === "staff") return ALLOWED;
  const reaches = new Set(memberRoles.map((r) => classOf(rules, r)));
  if (from === "student" && (reaches.has("parent") || reaches.has("other")))
    return deny(
      "invariant.studentsOnlyKnownPeople",
      "Here your words would reach parents, so students may not write.",
    );
  if (from !== "student" && reaches.has("student"))
    return deny(
      "invariant.parentsOnlyOwnChildren",
      "Here your words would reach students, so only staff may write.",
    );
  return ALLOWED;
}

/**
 * Whether `actor` may see who has (not) read an announcement: its author, whoever may
 * announce to its audience, and admins. The audience itself reads, and is told so; people
 * outside it are told the channel does not exist.
 */
export function canSeeReaders(
  rules: PolicyRules,
  actor: Person,
  audience: AnnouncementAudience,
  facts: { isAuthor: boolean; member: boolean },
): Decision {
  if (facts.isAuthor || (actor.isStaff && actor.role === "admin")) return ALLOWED;
  if (canAnnounce(rules, actor, audience).allowed) return ALLOWED;
  if (!facts.member) return notFound();
  return deny(
    "announcements.readers",
    "Only the announcement's author, those who may announce here and admins see who has read it.",
  );
}
