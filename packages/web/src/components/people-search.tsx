import type { UserProfile } from "@hallway/protocol";
import { useState } from "react";
import { useUserSearch } from "../hooks/use-user-search.ts";
import { Avatar } from "./avatar.tsx";

/** Find a person by name and open the direct conversation with them. */
export function PeopleSearch(props: { onPick(user: UserProfile): Promise<void> }) {
  const [query, setQuery] = useState("");
  const [error, setError] = useState<string | null>(null);
  const { users, searching } = useUserSearch(query);
  const shown = query.trim() !== "";

  const pick = async (user: UserProfile) => {
    setError(null);
    try {
      await props.onPick(user);
      setQuery("");
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "That conversation could not be opened.");
    }
  };

  return (
    <div className="people-search">
      <label htmlFor="people-search-input" className="visually-hidden">
        Find people
      </label>
      <input
        id="people-search-input"
        type="search"
        placeholder="Find people…"
        autoComplete="off"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && query) {
            e.stopPropagation();
            setQuery("");
          }
        }}
        aria-controls="people-search-results"
      />
      {shown && (
        <div id="people-search-results" className="search-results">
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          {!searching && users.length === 0 && <p className="muted small">Nobody found.</p>}
          <ul aria-label="People found">
            {users.map((user) => (
              <li key={user.id}>
                <button type="button" className="person" onClick={() => pick(user)}>
                  <Avatar name={user.displayName} seed={user.id} url={user.avatarUrl} size="small" />
                  <span className="person-name">{user.displayName}</span>
                  <span className="person-role">{user.role}</span>
                  <span className="visually-hidden">: send a message</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
