import type { Presence } from "@hallway/protocol";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { usePresence } from "../hooks/use-presence.ts";
import { useHallway } from "../session/hallway-context.ts";
import { Avatar } from "./avatar.tsx";

type SelfPresence = Presence & { invisible?: boolean };

/** My name and status; opens a panel to set a status text, appear away or invisible, or sign out. */
export function ProfileMenu(props: { manualAway: boolean; onManualAway(away: boolean): void }) {
  const { client, me, signOut } = useHallway();
  const self = usePresence(me.id) as SelfPresence | undefined;
  const [open, setOpen] = useState(false);
  const [statusText, setStatusText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLElement>(null);
  const currentText = self?.custom?.text ?? "";
  const invisible = self?.invisible ?? false;

  useEffect(() => {
    if (open) setStatusText(currentText);
  }, [open, currentText]);

  // While open: a click elsewhere closes it, and so does Escape (before it could close the chat).
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!panel.current?.contains(event.target as Node) && !toggle.current?.contains(event.target as Node))
        setOpen(false);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      setOpen(false);
      toggle.current?.focus();
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKeyDown, true);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKeyDown, true);
    };
  }, [open]);

  const setStatus = async (change: { text?: string | null; invisible?: boolean }) => {
    setError(null);
    try {
      await client.request("status.set", change);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Your status could not be changed.");
    }
  };
  const saveText = (event: FormEvent) => {
    event.preventDefault();
    setStatus({ text: statusText.trim() || null });
  };

  const statusWord = invisible ? "Invisible" : props.manualAway ? "Away" : "Online";
  return (
    <div className="profile">
      <button
        ref={toggle}
        type="button"
        className="profile-toggle"
        aria-expanded={open}
        aria-controls="profile-panel"
        onClick={() => setOpen(!open)}
      >
        <Avatar name={me.displayName} seed={me.id} url={me.avatarUrl} presence={self} />
        <span className="profile-text">
          <span className="profile-name">{me.displayName}</span>
          <span className="profile-status">{currentText || statusWord}</span>
        </span>
      </button>
      {open && (
        <section id="profile-panel" ref={panel} className="profile-panel" aria-label="Your status">
          <form onSubmit={saveText} className="status-form">
            <label htmlFor="status-text">Status message</label>
            <div className="row">
              <input
                id="status-text"
                maxLength={140}
                placeholder="e.g. In class until 3pm"
                value={statusText}
                onChange={(e) => setStatusText(e.target.value)}
              />
              <button type="submit">Save</button>
            </div>
          </form>
          <label className="check">
            <input
              type="checkbox"
              checked={props.manualAway}
              onChange={(e) => props.onManualAway(e.target.checked)}
            />
            Appear away
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={invisible}
              onChange={(e) => setStatus({ invisible: e.target.checked })}
            />
            Invisible (others see you as offline)
          </label>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button type="button" className="sign-out" onClick={() => signOut()}>
            Sign out
          </button>
        </section>
      )}
    </div>
  );
}
