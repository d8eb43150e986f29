import { z } from "zod";

export const Id = z.uuid();

/**
 * Free text typed by a person: line endings normalised to `\n` (Windows clients send `\r\n`),
 * trimmed length limits, no control characters but tab and newline.
 */
export function humanText(max: number) {
  return z
    .string()
    .max(max)
    .transform((s) => s.replace(/\r\n?/g, "\n"))
    .pipe(
      z
        .string()
        .refine((s) => s.trim().length > 0, "must not be empty")
        .refine((s) => !CONTROL_CHARACTERS.test(s), "must not contain control characters"),
    );
}

// C0 controls except tab (\t) and newline (\n), DEL, and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** A single-line name (display names, group names): no newlines either. */
export function nameText(max: number) {
  return humanText(max).refine((s) => !/[\n\t]/.test(s), "must be a single line");
}

export const IsoDate = z.string().describe("ISO 8601 timestamp");

/** The school system's own id for a person or a section: opaque to Hallway. */
export const ExternalId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");
