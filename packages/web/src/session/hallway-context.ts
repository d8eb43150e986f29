import type { HallwayClient } from "@hallway/client";
import type { CommandReply, UserAccount } from "@hallway/protocol";
import { createContext, useContext } from "react";
import type { UserDirectory } from "../state/user-directory.ts";
import type { Api } from "./api.ts";

/** Everything a signed-in screen needs: the SDK client, REST calls, who I am, names of people. */
export interface Hallway {
  client: HallwayClient;
  api: Api;
  me: UserAccount;
  directory: UserDirectory;
  /** The latest resume reply (the conversation list as of the last connect). */
  lastResume(): CommandReply<"session.resume"> | undefined;
  signOut(): Promise<void>;
}

export const HallwayContext = createContext<Hallway | null>(null);

export function useHallway(): Hallway {
  const hallway = useContext(HallwayContext);
  if (!hallway) throw new Error("useHallway() outside <HallwayProvider>");
  return hallway;
}
