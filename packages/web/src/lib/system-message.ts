import type { SystemEvent } from "@hallway/protocol";
import { listNames } from "./format.ts";

/**
 * A system message in words: "Ms Haddad added Chloe and Dev", "You created the group with
 * Raj and you"… `nameOf` gives a person's name; I am "You" as the actor and "you" otherwise.
 */
export function describeSystemEvent(
  event: SystemEvent,
  nameOf: (userId: string) => string,
  myId: string,
): string {
  const actor = event.actorId === null ? "Someone" : event.actorId === myId ? "You" : nameOf(event.actorId);
  const users = listNames(event.userIds.map((id) => (id === myId ? "you" : nameOf(id))));
  switch (event.action) {
    case "conversation.created":
      return users ? `${actor} created the group with ${users}` : `${actor} created the group`;
    case "member.added":
      return `${actor} added ${users}`;
    case "member.removed":
      return `${actor} removed ${users}`;
    case "member.left":
      return `${capitalise(users) || actor} left`;
    case "member.promoted":
      return `${actor} made ${users} an admin`;
    case "member.demoted":
      return `${actor} removed ${users} as admin`;
    case "support.claimed":
      return `${actor} took this request`;
    case "support.resolved":
      return `${actor} marked this request resolved`;
    case "support.reopened":
      return `${actor} reopened this request`;
    case "member.joined":
      return `${capitalise(users) || actor} joined with an invite link`;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
