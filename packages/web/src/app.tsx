import type { Session } from "@hallway/protocol";
import { useCallback, useState } from "react";
import { Shell } from "./components/shell.tsx";
import { SignInPage } from "./components/sign-in-page.tsx";
import { HallwayProvider } from "./session/hallway-provider.tsx";
import { clearSession, loadSession, saveSession } from "./session/session-storage.ts";

/** Signed out: the sign-in page. Signed in: the chat, with the session kept across reloads. */
export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);

  const signedIn = useCallback((next: Session) => {
    saveSession(next);
    setNotice(null);
    setSession(next);
  }, []);
  const signedOut = useCallback((reason?: string) => {
    clearSession();
    setNotice(reason ?? null);
    setSession(null);
  }, []);

  if (!session) return <SignInPage onSignedIn={signedIn} notice={notice} />;
  return (
    <HallwayProvider key={session.user.id} session={session} onSignedOut={signedOut}>
      <Shell />
    </HallwayProvider>
  );
}
