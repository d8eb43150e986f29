import { z } from "zod";

/**
 * The school roles Hallway knows out of the box. The server stores roles in a table, so a
 * school can add its own; these nine are seeded by the first migration.
 */
export const SCHOOL_ROLES = [
  "admin",
  "principal",
  "coordinator",
  "teacher",
  "student",
  "parent",
  "guidance",
  "registrar",
  "accounting",
] as const;

export type SchoolRole = (typeof SCHOOL_ROLES)[number];

/** A role name: one of the nine, or a school's own (lower-case letters, digits, `_`, `-`). */
export const RoleName = z
  .string()
  .min(2)
  .max(32)
  .regex(/^[a-z][a-z0-9_-]*$/, "lower-case letters, digits, '_' or '-'");
