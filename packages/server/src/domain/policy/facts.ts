import type { ConversationKind } from "@hallway/protocol";

/*
 * The facts the policy decides on: plain data a service loads before asking. Nothing here is
 * fetched by the policy itself, so a decision is a pure function of its arguments.
 */

/** A role and its staff flag, as the `roles` table has them. */
export interface RoleFacts {
  readonly role: string;
  /** `roles.is_staff`: the one place that says whether a role is staff. */
  readonly isStaff: boolean;
}

/** Enough to place a person in a group: who and which role. */
export interface MemberFacts extends RoleFacts {
  readonly id: string;
}

/**
 * A person with their ties in the school directory. Used for the one acting (the actor) and
 * for the one acted upon (the target) alike.
 */
export interface Person extends MemberFacts {
  /** Sections this person teaches (`section_members.role = 'teacher'`). */
  readonly taughtSectionIds: readonly string[];
  /** Sections this person is enrolled in (`section_members.role = 'student'`). */
  readonly enrolledSectionIds: readonly string[];
  /** Students this person is a guardian of (`guardian_links.parent_id = id`). */
  readonly childIds: readonly string[];
  /** Sections those children are enrolled in. */
  readonly childSectionIds: readonly string[];
  /** Guardians of this person (`guardian_links.student_id = id`). */
  readonly parentIds: readonly string[];
}

/**
 * Who reads an announcement channel: everyone, narrowed by roles and by sections. A section
 * counts a person in when they are enrolled in it, teach it, or have a child enrolled in it.
 * `{ roles: null, sectionIds: null }` is the whole school.
 */
export interface AnnouncementAudience {
  readonly roles: readonly string[] | null;
  readonly sectionIds: readonly string[] | null;
}

/** The whole school as an announcement audience. */
export const WHOLE_SCHOOL: AnnouncementAudience = Object.freeze({ roles: null, sectionIds: null });

/** A conversation as the policy sees it. Fields that do not apply to its kind are null. */
export interface ConversationFacts {
  readonly kind: ConversationKind;
  /** Role of whoever created it; null for conversations Hallway makes (section, primary). */
  readonly creator: RoleFacts | null;
  /** `section`: the section it belongs to. */
  readonly sectionId: string | null;
  /** `section`: whether it is the section's students' group or its parents' group. */
  readonly sectionGroupFor: "students" | "parents";
  /** `announcement`: who reads it. */
  readonly audience: AnnouncementAudience | null;
  /** `support`: the staff role that answers it (registrar, accounting…). */
  readonly supportDesk: string | null;
  /** `support`: the person who opened it. */
  readonly requesterId: string | null;
  /** `direct`: the other person, seen from the actor. */
  readonly peer: Person | null;
  /** The distinct roles among the current members (for supervision and who a post reaches). */
  readonly memberRoles: readonly RoleFacts[];
  /** People a moderator has banned from this conversation. */
  readonly bannedUserIds: readonly string[];
  /** Slow mode: seconds a member waits between posts; 0 when off. */
  readonly slowModeSeconds: number;
  /** `section`: the school made the section inactive, so its group is read-only (absent: false). */
  readonly frozen?: boolean;
}

/** The actor's own membership of the conversation. */
export interface Membership {
  readonly role: "admin" | "member" | "none";
  /** A moderator muted this member: they read but may not write. */
  readonly muted: boolean;
}

export const NOT_A_MEMBER: Membership = Object.freeze({ role: "none", muted: false });
export const MEMBER: Membership = Object.freeze({ role: "member", muted: false });
export const GROUP_ADMIN: Membership = Object.freeze({ role: "admin", muted: false });

/** A Person with empty ties for whatever is not given. */
export function makePerson(facts: MemberFacts & Partial<Person>): Person {
  return {
    taughtSectionIds: [],
    enrolledSectionIds: [],
    childIds: [],
    childSectionIds: [],
    parentIds: [],
    ...facts,
  };
}

/** ConversationFacts with neutral values for whatever is not given. */
export function makeConversation(
  facts: Pick<ConversationFacts, "kind"> & Partial<ConversationFacts>,
): ConversationFacts {
  return {
    creator: null,
    sectionId: null,
    sectionGroupFor: "students",
    audience: null,
    supportDesk: null,
    requesterId: null,
    peer: null,
    memberRoles: [],
    bannedUserIds: [],
    slowModeSeconds: 0,
    ...facts,
  };
}
