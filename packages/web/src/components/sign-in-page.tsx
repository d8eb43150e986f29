import { HallwayClientError, RestClient } from "@hallway/client";
import type { Session } from "@hallway/protocol";
import { type FormEvent, useState } from "react";

function explain(error: unknown): string {
  if (error instanceof HallwayClientError) {
    if (error.code === "INVALID_CREDENTIALS")
      return "That username and password don't match. Please try again.";
    if (error.code === "RATE_LIMITED") return "Too many attempts. Please wait a minute and try again.";
    if (error.code === "VALIDATION_FAILED") return "Please enter your username and password.";
    return error.message;
  }
  return "Hallway can't be reached right now. Check your connection and try again.";
}

/** Username and password; the session is handed up and kept in storage. */
export function SignInPage(props: { onSignedIn(session: Session): void; notice: string | null }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const rest = new RestClient(window.location.origin, () => undefined);
      props.onSignedIn(await rest.signIn(username.trim(), password));
    } catch (caught) {
      setError(explain(caught));
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand" aria-hidden="true">
          H
        </div>
        <h1 id="sign-in-title">Sign in to Hallway</h1>
        <p className="muted">Chat with your school: teachers, classes and families.</p>
        {props.notice && (
          <p className="notice" role="status">
            {props.notice}
          </p>
        )}
        <label htmlFor="username">Username</label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          // biome-ignore lint/a11y/noAutofocus: the only thing to do on this page is to sign in.
          autoFocus
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
