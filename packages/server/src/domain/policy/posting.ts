import { canAnnounce, inAudience, mayAddressRoom } from "./announcements.ts";
import { classOf, describeSelector, onlyMay, selects } from "./classify.ts";
import { ALLOWED, type Decision, deny, notFound } from "./decision.ts";
import { canOpenDirect } from "./direct.ts";
import type { ConversationFacts, Membership, Person } from "./facts.ts";
import { isSanctionedGroup } from "./groups.ts";
import type { PolicyRules } from "./rules.ts";

type Action = "post" | "reply" | "react";

function muted(membership: Membership): Decision {
  return membership.muted
    ? deny("moderation.mute", "A moderator has muted you in this conversation.")
    : ALLOWED;
}

function inDirect(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  member: boolean,
): Decision {
  if (!member) return notFound();
  const peer = conversation.peer;
  if (peer === null) return deny("direct.peer", "The other person has left Hallway.");
  // Either way round: a parent answers the teacher who wrote first.
  const mine = canOpenDirect(rules, actor, peer);
  return mine.allowed || canOpenDirect(rules, peer, actor).allowed ? ALLOWED : mine;
}

function inGroup(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  member: boolean,
): Decision {
  if (!member) return notFound();
  if (actor.isStaff || isSanctionedGroup(rules, conversation)) return ALLOWED;
  return deny(
    "groups.creators",
    "Only staff may write in this group now: the school no longer lets its creator's role make groups.",
  );
}

function inSection(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  member: boolean,
): Decision {
  if (!member) return notFound();
  if (conversation.frozen)
    return deny(
      "sections.active",
      "This section is no longer active: its group can be read, not written in.",
    );
  if (actor.isStaff) return ALLOWED;
  const sectionId = conversation.sectionId ?? "";
  const cls = classOf(rules, actor);
  if (conversation.sectionGroupFor === "parents") {
    if (!rules.sections.parentGroups)
      return deny("sections.parentGroups", "Parents' section groups are switched off at this school.");
    return cls === "parent" && actor.childSectionIds.includes(sectionId)
      ? ALLOWED
      : deny("sections.members", "Only the section's teachers and its students' parents may write here.");
  }
  return cls === "student" && actor.enrolledSectionIds.includes(sectionId)
    ? ALLOWED
    : deny("sections.members", "Only the section's teachers and students may write in a section group.");
}

function inPrimary(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  member: boolean,
  action: Action,
): Decision {
  if (!member) return notFound();
  const { posters, reactors } = rules.primary;
  if (action === "react" && selects(rules, reactors, actor)) return ALLOWED;
  if (!selects(rules, posters, actor))
    return action === "react"
      ? deny("primary.reactors", onlyMay(reactors, "react in the school-wide group"))
      : deny("primary.posters", onlyMay(posters, "write in the school-wide group"));
  return mayAddressRoom(rules, actor, conversation.memberRoles);
}

function inSupport(actor: Person, conversation: ConversationFacts, member: boolean): Decision {
  const desk = conversation.supportDesk;
  if (actor.isStaff && desk !== null && actor.role === desk) return ALLOWED;
  if (!member) return notFound();
  if (actor.id === conversation.requesterId || actor.isStaff) return ALLOWED;
  return deny(
    "support.members",
    `Only the person who asked and ${desk ? describeSelector([desk]) : "staff"} may write in this support conversation.`,
  );
}

function inAnnouncement(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  action: Action,
): Decision {
  const audience = conversation.audience;
  if (audience === null) return notFound();
  const announcer = canAnnounce(rules, actor, audience);
  if (announcer.allowed) return ALLOWED;
  if (!inAudience(actor, audience)) return notFound();
  switch (action) {
    case "post":
      return announcer;
    case "reply":
      if (!selects(rules, rules.announcements.audienceMayReply, actor))
        return deny(
          "announcements.audienceMayReply",
          rules.announcements.audienceMayReply.length === 0
            ? "Replies to announcements are switched off at this school."
            : onlyMay(rules.announcements.audienceMayReply, "reply to announcements"),
        );
      return mayAddressRoom(rules, actor, conversation.memberRoles);
    case "react":
      return selects(rules, rules.announcements.audienceMayReact, actor)
        ? ALLOWED
        : deny(
            "announcements.audienceMayReact",
            onlyMay(rules.announcements.audienceMayReact, "react to announcements"),
          );
  }
}

function decide(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
  action: Action,
): Decision {
  const silenced = muted(membership);
  if (!silenced.allowed) return silenced;
  const member = membership.role !== "none";
  switch (conversation.kind) {
    case "direct":
      return inDirect(rules, actor, conversation, member);
    case "group":
      return inGroup(rules, actor, conversation, member);
    case "section":
      return inSection(rules, actor, conversation, member);
    case "primary":
      return inPrimary(rules, actor, conversation, member, action);
    case "support":
      return inSupport(actor, conversation, member);
    case "announcement":
      return inAnnouncement(rules, actor, conversation, action);
  }
}

/**
 * Whether `actor` may post a message in the conversation (text, file, voice note, a forward
 * into it). Direct: while either person may message the other. Group: members, and only staff
 * once the group's creator may no longer make groups. Section: its teachers and students (or,
 * for a parents' section group, its students' parents). School-wide group: the permitted
 * posters. Support: the requester and the desk's staff. Announcement: the announcers.
 */
export function canPost(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
): Decision {
  return decide(rules, actor, conversation, membership, "post");
}

/** Whether `actor` may reply in a thread: as posting, but an announcement's audience may reply when the rules say. */
export function canReply(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
): Decision {
  return decide(rules, actor, conversation, membership, "reply");
}

/** Whether `actor` may add a reaction: as posting, and the audience of announcements and the school-wide group. */
export function canReact(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
): Decision {
  return decide(rules, actor, conversation, membership, "react");
}

/** Whether a message by `actor` may mention @everyone: they may post here, and the rules let their role. */
export function canMentionEveryone(
  rules: PolicyRules,
  actor: Person,
  conversation: ConversationFacts,
  membership: Membership,
): Decision {
  const post = canPost(rules, actor, conversation, membership);
  if (!post.allowed) return post;
  return selects(rules, rules.mentions.everyone, actor)
    ? ALLOWED
    : deny("mentions.everyone", onlyMay(rules.mentions.everyone, "mention @everyone"));
}
