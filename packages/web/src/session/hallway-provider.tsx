import { HallwayClient, WebStoragePositionStore } from "@hallway/client";
import type { CommandReply, Session } from "@hallway/protocol";
import { type ReactNode, useEffect, useState } from "react";
import { outboxKey } from "../state/pending-sends.ts";
import { UserDirectory } from "../state/user-directory.ts";
import { adoptSession } from "./adopt-session.ts";
import { Api } from "./api.ts";
import { type Hallway, HallwayContext } from "./hallway-context.ts";
import { loadSession, onStoredSessionChange, positionsKey, saveSession } from "./session-storage.ts";

/** Refresh before connecting when the access token has less than this left. */
const REFRESH_MARGIN_MS = 60_000;

function createClient(session: Session): HallwayClient {
  const client = new HallwayClient({
    baseUrl: window.location.origin,
    positions: new WebStoragePositionStore(window.localStorage, positionsKey(session.user.id)),
    clientName: "hallway-web",
    platform: "web",
  });
  adoptSession(client, session);
  return client;
}

/**
 * Owns the SDK client of a signed-in session: connects it, keeps the (refreshed) session in
 * storage, follows sign-outs and refreshes made in other tabs, and ends the session when the
 * server says it is over.
 */
export function HallwayProvider(props: {
  session: Session;
  onSignedOut(reason?: string): void;
  children: ReactNode;
}) {
  const { session, onSignedOut } = props;
  const [hallway] = useState<Hallway>(() => {
    const client = createClient(session);
    let lastResume: CommandReply<"session.resume"> | undefined;
    client.on("resumed", (reply) => {
      lastResume = reply;
    });
    const api = new Api(client, () => onSignedOut("Your session has ended. Please sign in again."));
    return {
      client,
      api,
      me: session.user,
      directory: new UserDirectory(api),
      lastResume: () => lastResume,
      async signOut() {
        await api.signOut().catch(() => {});
        client.disconnect();
        window.localStorage.removeItem(positionsKey(session.user.id));
        window.localStorage.removeItem(outboxKey(session.user.id));
        onSignedOut();
      },
    };
  });

  useEffect(() => {
    const { client, api } = hallway;
    const offSession = client.on("session", saveSession);
    const offClosed = client.on("closed", () => {
      // Another tab may have refreshed the session under us: take its tokens and carry on.
      const stored = loadSession();
      if (
        stored &&
        stored.user.id === session.user.id &&
        stored.refreshToken !== client.session?.refreshToken
      ) {
        adoptSession(client, stored);
        client.connect().catch(() => {});
        return;
      }
      onSignedOut("Your session has ended. Please sign in again.");
    });
    const offStorage = onStoredSessionChange((stored) => {
      if (!stored || stored.user.id !== session.user.id) onSignedOut();
      else if (stored.accessToken !== client.session?.accessToken) adoptSession(client, stored);
    });
    let cancelled = false;
    (async () => {
      const expiresAt = Date.parse(client.session?.accessTokenExpiresAt ?? "");
      if (!(expiresAt > Date.now() + REFRESH_MARGIN_MS)) await api.refresh();
      if (!cancelled) await client.connect();
    })().catch(() => {});
    return () => {
      cancelled = true;
      offSession();
      offClosed();
      offStorage();
      client.disconnect();
    };
  }, [hallway, session.user.id, onSignedOut]);

  return <HallwayContext.Provider value={hallway}>{props.children}</HallwayContext.Provider>;
}
