import { z } from "zod";
import { Audience } from "./announcements.ts";
import { Id, IsoDate, nameText } from "./common.ts";
import { Message } from "./messages.ts";
import { SupportInfo } from "./support.ts";
import { UserProfile } from "./users.ts";

export const ConversationKind = z.enum(["direct", "group", "section", "primary", "support", "announcement"]);
export type ConversationKind = z.infer<typeof ConversationKind>;

export const MemberRole = z.enum(["admin", "member"]);

/** The signed-in user's own membership: read position and personal settings. */
export const MyMembership = z.object({
  role: MemberRole,
  joinedAt: IsoDate,
  lastReadSeq: z.number().int(),
  lastDeliveredSeq: z.number().int(),
  muted: z.boolean(),
  archived: z.boolean(),
  pinned: z.boolean(),
});

/** A section group's section. */
export const SectionInfo = z.object({
  /** The section's Hallway id (what announcement audiences name). */
  id: Id,
  /** The section's students' group (its teachers and students) or its parents' group (its teachers and its students' parents). */
  groupFor: z.enum(["students", "parents"]),
  /** The school made the section inactive: the group keeps its history and members, and nobody writes in it. */
  frozen: z.boolean(),
});

export const ConversationSummary = z.object({
  id: Id,
  kind: ConversationKind,
  /** Null for direct conversations: show the peer's name. */
  name: z.string().nullable(),
  createdBy: Id.nullable(),
  createdAt: IsoDate,
  lastSeq: z.number().int(),
  memberCount: z.number().int(),
  /** The other person of a direct conversation. */
  peer: UserProfile.nullable(),
  me: MyMembership,
  /** Messages from others after my read position, not deleted (counted up to 1,000). */
  unreadCount: z.number().int(),
  /** Unread messages that mention me by name or as `@everyone` (counted up to 1,000). */
  mentionCount: z.number().int(),
  lastMessage: Message.nullable(),
  /** Section groups: the section, whose students' or parents' group this is, and whether it is frozen. */
  section: SectionInfo.nullable().optional(),
  /** Announcement channels: who reads them. */
  audience: Audience.nullable().optional(),
  /** Support conversations: the desk and where the request stands. */
  support: SupportInfo.nullable().optional(),
  /**
   * Designated staff (the school's supervisors) may review this conversation because it involves
   * a student: show it to the participants (docs/compliance.md).
   */
  supervised: z.boolean(),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const ConversationList = z.object({
  conversations: z.array(ConversationSummary),
  /** Sum of `unreadCount` over the list, muted conversations excluded. */
  totalUnread: z.number().int(),
});

export const ConversationParams = z.strictObject({ conversationId: Id });
export const MemberParams = z.strictObject({ conversationId: Id, userId: Id });

export const ListConversationsQuery = z.strictObject({
  archived: z.enum(["true", "false", "all"]).default("false"),
});

export const OpenDirectBody = z.strictObject({ userId: Id });

export const CreateGroupBody = z.strictObject({
  name: nameText(120),
  memberIds: z.array(Id).max(1_000).default([]),
});

export const AddMembersBody = z.strictObject({ userIds: z.array(Id).min(1).max(1_000) });

export const SetMemberRoleBody = z.strictObject({ role: MemberRole });

export const UpdateMySettingsBody = z
  .strictObject({ muted: z.boolean(), archived: z.boolean(), pinned: z.boolean() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, "give at least one of muted, archived, pinned");

export const Member = z.object({
  user: UserProfile,
  role: MemberRole,
  joinedAt: IsoDate,
  lastReadSeq: z.number().int(),
  lastDeliveredSeq: z.number().int(),
});

export const MemberPage = z.object({ members: z.array(Member), nextCursor: z.string().nullable() });

export const MemberListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
