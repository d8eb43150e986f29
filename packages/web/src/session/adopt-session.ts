import type { HallwayClient } from "@hallway/client";
import type { Session } from "@hallway/protocol";

/** Makes the SDK client use a session (a plain method despite its `use` name, not a React hook). */
export function adoptSession(client: HallwayClient, session: Session): Session {
  // biome-ignore lint/correctness/useHookAtTopLevel: HallwayClient.useSession is not a hook.
  return client.useSession(session);
}
