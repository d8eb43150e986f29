import { z } from "zod";
import { Id, nameText } from "./common.ts";
import { RoleName } from "./roles.ts";
import { UserProfile } from "./users.ts";

/**
 * Who reads an announcement channel: the whole school, narrowed by roles and by sections. A
 * section counts in the people enrolled in it, teaching it, or with a child enrolled in it.
 * `null` (or left out) means no narrowing: `{}` is everyone.
 */
export const Audience = z.strictObject({
  /** Only people with these roles (`["parent"]`); null: every role. */
  roles: z.array(RoleName).min(1).max(20).nullable().default(null),
  /** Only people tied to these sections (Hallway section ids, as section groups show them); null: the whole school. */
  sectionIds: z.array(Id).min(1).max(200).nullable().default(null),
});
export type Audience = z.output<typeof Audience>;

export const CreateAnnouncementBody = z.strictObject({
  name: nameText(120),
  audience: Audience,
});
export type CreateAnnouncementBody = z.output<typeof CreateAnnouncementBody>;

export const ReadersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});

/**
 * Who has read one announcement, from members' read positions. Members who joined after the
 * message and its author are not counted.
 */
export const Readers = z.object({
  seq: z.number().int(),
  /** Members whose read position is at or past the message. */
  readCount: z.number().int(),
  /** Members who were there when it was posted (its author excluded). */
  audienceCount: z.number().int(),
  /** Members who have not read it yet, by name, a page at a time. */
  unread: z.array(UserProfile),
  nextCursor: z.string().nullable(),
});
export type Readers = z.infer<typeof Readers>;
