import { z } from "zod";
import { ExternalId, nameText } from "./common.ts";
import { RoleName } from "./roles.ts";
import { AvatarUrl, Username } from "./users.ts";

export const DirectoryUser = z.strictObject({
  externalId: ExternalId,
  role: RoleName,
  displayName: nameText(120),
  email: z.email().max(254).optional(),
  /** Defaults to a name derived from the external id. */
  username: Username.optional(),
  avatarUrl: AvatarUrl.optional(),
  /** `false` deactivates the user and ends their sessions. Default `true`. */
  active: z.boolean().default(true),
});
export type DirectoryUser = z.infer<typeof DirectoryUser>;

/** A section (class group) with its full membership: the lists replace what Hallway had. */
export const DirectorySection = z.strictObject({
  externalId: ExternalId,
  name: nameText(120),
  teacherIds: z.array(ExternalId).max(200).default([]),
  studentIds: z.array(ExternalId).max(2_000).default([]),
  /** `false`: the section is no longer taught; its group is frozen (read-only) until it is active again. */
  active: z.boolean().default(true),
});
export type DirectorySection = z.infer<typeof DirectorySection>;

/** A parent (or other guardian) with all of their children: the list replaces what Hallway had. */
export const DirectoryGuardian = z.strictObject({
  parentId: ExternalId,
  studentIds: z.array(ExternalId).max(50),
});
export type DirectoryGuardian = z.infer<typeof DirectoryGuardian>;

export const DirectorySyncBody = z.strictObject({
  users: z.array(DirectoryUser).max(50_000).default([]),
  sections: z.array(DirectorySection).max(5_000).default([]),
  guardians: z.array(DirectoryGuardian).max(50_000).default([]),
});
export type DirectorySyncBody = z.infer<typeof DirectorySyncBody>;

const Tally = z.object({ created: z.number(), updated: z.number(), unchanged: z.number() });

export const DirectorySyncResult = z.object({
  users: Tally.extend({ deactivated: z.number() }),
  sections: Tally,
  enrolments: z.object({ added: z.number(), removed: z.number() }),
  guardians: z.object({ added: z.number(), removed: z.number() }),
  /** Ids referenced by sections or guardians that match no user: nothing was linked for them. */
  unknownExternalIds: z.array(z.string()),
});
export type DirectorySyncResult = z.infer<typeof DirectorySyncResult>;
