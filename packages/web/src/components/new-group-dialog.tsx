import type { ConversationSummary, UserProfile } from "@hallway/protocol";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useUserSearch } from "../hooks/use-user-search.ts";
import { useHallway } from "../session/hallway-context.ts";
import { Avatar } from "./avatar.tsx";
import { DialogFooter } from "./dialog-footer.tsx";

/** A modal form: the group's name and its members, picked by searching. */
export function NewGroupDialog(props: {
  open: boolean;
  onClose(): void;
  onCreated(c: ConversationSummary): void;
}) {
  const { api } = useHallway();
  const dialog = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState("");
  const [query, setQuery] = useState("");
  const [picked, setPicked] = useState<UserProfile[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { users } = useUserSearch(query);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) {
      setName("");
      setQuery("");
      setPicked([]);
      setError(null);
      element.showModal();
    } else if (!props.open && element.open) element.close();
  }, [props.open]);

  const toggle = (user: UserProfile) =>
    setPicked((list) =>
      list.some((u) => u.id === user.id) ? list.filter((u) => u.id !== user.id) : [...list, user],
    );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return setError("Give the group a name.");
    setBusy(true);
    setError(null);
    try {
      const conversation = await api.createGroup(
        name.trim(),
        picked.map((u) => u.id),
      );
      props.onCreated(conversation);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "The group could not be created.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="new-group-title" onClose={props.onClose}>
      <form onSubmit={submit}>
        <h2 id="new-group-title">New group</h2>
        <label htmlFor="group-name">Group name</label>
        <input
          id="group-name"
          value={name}
          maxLength={120}
          required
          placeholder="e.g. Year 7 trip helpers"
          onChange={(e) => setName(e.target.value)}
        />
        <label htmlFor="group-people">Add people</label>
        <input
          id="group-people"
          type="search"
          autoComplete="off"
          placeholder="Search by name…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        {picked.length > 0 && (
          <ul className="chips" aria-label="Members to add">
            {picked.map((user) => (
              <li key={user.id} className="chip">
                {user.displayName}
                <button
                  type="button"
                  className="icon-button small"
                  aria-label={`Remove ${user.displayName}`}
                  onClick={() => toggle(user)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        {users.length > 0 && (
          <fieldset className="pick-list">
            <legend className="visually-hidden">People found</legend>
            {users.map((user) => (
              <label key={user.id} className="pick">
                <input
                  type="checkbox"
                  checked={picked.some((u) => u.id === user.id)}
                  onChange={() => toggle(user)}
                />
                <Avatar name={user.displayName} seed={user.id} url={user.avatarUrl} size="small" />
                <span className="person-name">{user.displayName}</span>
                <span className="person-role">{user.role}</span>
              </label>
            ))}
          </fieldset>
        )}
        <DialogFooter
          error={error}
          busy={busy}
          action={`Create group${picked.length ? ` (${picked.length + 1})` : ""}`}
          busyAction="Creating…"
          onCancel={props.onClose}
        />
      </form>
    </dialog>
  );
}
