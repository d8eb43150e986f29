import { newClientId } from "@hallway/client";
import type { ConversationSummary, Message } from "@hallway/protocol";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { messageSummary } from "../lib/attachments.ts";
import { conversationTitle, kindLabel } from "../lib/conversation-title.ts";
import { describeActionError } from "../lib/errors.ts";
import { useHallway } from "../session/hallway-context.ts";
import { useConversationList } from "../state/conversation-list.ts";
import { Avatar } from "./avatar.tsx";
import { DialogFooter } from "./dialog-footer.tsx";

/**
 * Forwards a message: a modal dialog to pick one of my conversations (a search box narrows
 * them by name; the arrow keys move between them, as in any group of radio buttons), then
 * `message.forward`. The server applies the target's policy; a refusal is shown in the dialog,
 * which stays open. A retry to the same conversation reuses its client id, so it lands once.
 * Once forwarded, it says so and offers to open the conversation.
 */
export function ForwardDialog(props: { message: Message; onClose(): void }) {
  const { message, onClose } = props;
  const { api } = useHallway();
  const { conversations, open } = useConversationList();
  const dialog = useRef<HTMLDialogElement>(null);
  const done = useRef<HTMLButtonElement>(null);
  const ids = useId();
  const [query, setQuery] = useState("");
  const [chosen, setChosen] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [forwardedTo, setForwardedTo] = useState<ConversationSummary | null>(null);
  const clientIds = useRef(new Map<string, string>());

  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => {
    if (forwardedTo) done.current?.focus();
  }, [forwardedTo]);

  const targets = conversations.filter((c) => c.id !== message.conversationId && !c.section?.frozen);
  const wanted = fold(query.trim());
  const shown = wanted ? targets.filter((c) => fold(conversationTitle(c)).includes(wanted)) : targets;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const target = shown.find((c) => c.id === chosen) ?? (shown.length === 1 ? shown[0] : undefined);
    if (!target) {
      setError("Choose the conversation to forward it to.");
      return;
    }
    let clientId = clientIds.current.get(target.id);
    if (!clientId) {
      clientId = newClientId();
      clientIds.current.set(target.id, clientId);
    }
    setBusy(true);
    setError(null);
    try {
      await api.forward(message.conversationId, message.id, target.id, clientId);
      setForwardedTo(target);
    } catch (caught) {
      setError(
        describeActionError(caught, `The message could not be forwarded to ${conversationTitle(target)}`),
      );
    } finally {
      setBusy(false);
    }
  };

  const preview = messageSummary(message);
  return (
    <dialog ref={dialog} className="dialog forward-dialog" aria-labelledby={`${ids}-title`} onClose={onClose}>
      {forwardedTo ? (
        <>
          <h2 id={`${ids}-title`}>Message forwarded</h2>
          <p role="status">Forwarded to {conversationTitle(forwardedTo)}.</p>
          <div className="dialog-actions">
            <button
              type="button"
              onClick={() => {
                dialog.current?.close();
                open(forwardedTo.id);
              }}
            >
              Open {conversationTitle(forwardedTo)}
            </button>
            <button ref={done} type="button" className="primary" onClick={() => dialog.current?.close()}>
              Done
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit}>
          <h2 id={`${ids}-title`}>Forward message</h2>
          <blockquote className="quoted">
            {preview.length > 140 ? `${preview.slice(0, 140)}…` : preview}
          </blockquote>
          <label htmlFor={`${ids}-search`}>Search conversations</label>
          <input
            id={`${ids}-search`}
            type="search"
            autoComplete="off"
            placeholder="Search by name…"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          <fieldset className="pick-list forward-targets">
            <legend className="visually-hidden">Forward to</legend>
            {shown.map((conversation) => {
              const title = conversationTitle(conversation);
              return (
                <label key={conversation.id} className="pick">
                  <input
                    type="radio"
                    name={`${ids}-target`}
                    value={conversation.id}
                    checked={chosen === conversation.id}
                    onChange={() => setChosen(conversation.id)}
                  />
                  <Avatar
                    name={title}
                    seed={conversation.peer?.id ?? conversation.id}
                    url={conversation.peer?.avatarUrl}
                    group={conversation.kind !== "direct"}
                    size="small"
                  />
                  <span className="person-name">{title}</span>
                  <span className="person-role">{kindLabel(conversation) ?? "Direct message"}</span>
                </label>
              );
            })}
            {shown.length === 0 && (
              <p className="muted small">
                {wanted ? `No conversation is called “${query.trim()}”.` : "You have no other conversation."}
              </p>
            )}
          </fieldset>
          <DialogFooter
            error={error}
            busy={busy}
            action="Forward"
            busyAction="Forwarding…"
            onCancel={() => dialog.current?.close()}
          />
        </form>
      )}
    </dialog>
  );
}

/** For matching names: lower case, accents aside ("Zoë" matches "zoe"). */
function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}
