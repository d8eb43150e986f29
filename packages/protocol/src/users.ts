import { z } from "zod";
import { CONTROL_CHARACTERS, ExternalId, Id, IsoDate, nameText } from "./common.ts";
import { RoleName } from "./roles.ts";

export const Username = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, "letters, digits, '.', '_' or '-', starting with a letter or digit");

export const Password = z.string().min(8).max(256);

export const AvatarUrl = z.url({ protocol: /^https?$/ }).max(2048);

/** What any signed-in user may see of another. */
export const UserProfile = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  role: z.string(),
  avatarUrl: z.string().nullable(),
  active: z.boolean(),
});
export type UserProfile = z.infer<typeof UserProfile>;

/** What a user sees of themself, and admins see of anyone. */
export const UserAccount = UserProfile.extend({
  email: z.string().nullable(),
  externalId: z.string().nullable(),
  createdAt: IsoDate,
});
export type UserAccount = z.infer<typeof UserAccount>;

export const CreateUserBody = z.strictObject({
  username: Username,
  password: Password,
  displayName: nameText(120),
  role: RoleName,
  email: z.email().max(254).optional(),
  avatarUrl: AvatarUrl.optional(),
  /** The school system's id for this person, so directory sync can refer to a local account. */
  externalId: ExternalId.optional(),
});
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const SearchUsersQuery = z.strictObject({
  q: z
    .string()
    .max(100)
    .refine((s) => !CONTROL_CHARACTERS.test(s), "must not contain control characters")
    .optional(),
  role: RoleName.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const UserList = z.object({ users: z.array(UserProfile) });

export const UserIdParams = z.strictObject({ userId: Id });
