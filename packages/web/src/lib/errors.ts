import { HallwayClientError } from "@hallway/client";

/**
 * What to tell the person when an action fails: `lead` ("The message could not be deleted"),
 * then the server's reason (its messages are written to be shown), or that they are offline.
 */
export function describeActionError(error: unknown, lead: string): string {
  if (error instanceof HallwayClientError) {
    if (error.code === "CLIENT_DISCONNECTED" || error.code === "CLIENT_TIMEOUT")
      return `${lead}: you're not connected. Try again when you're back online.`;
    return `${lead}. ${error.message}`;
  }
  if (error instanceof TypeError) return `${lead}: the server could not be reached.`;
  return `${lead}.`;
}
