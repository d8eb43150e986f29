import { MAX_TEXT_LENGTH, type Message } from "@hallway/protocol";
import { type KeyboardEvent, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { describeActionError } from "../lib/errors.ts";
import { useHallway } from "../session/hallway-context.ts";

/**
 * Editing my message in place: Enter saves, Shift+Enter starts a new line, Escape cancels.
 * A refusal (deleted meanwhile, offline…) is shown under the box and the text is kept.
 */
export function MessageEditor(props: { message: Message; onDone(saved?: Message): void }) {
  const { message, onDone } = props;
  const { api } = useHallway();
  const [text, setText] = useState(message.text);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();

  useEffect(() => {
    const element = input.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the box grows with its text.
  useLayoutEffect(() => {
    const element = input.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight, 240)}px`;
  }, [text]);

  const save = async () => {
    if (saving) return;
    if (text === message.text) return onDone();
    if (!text.trim()) return setError("A message needs some text. To remove it, delete it instead.");
    setSaving(true);
    setError(null);
    try {
      onDone(await api.editMessage(message.conversationId, message.id, text));
    } catch (caught) {
      setError(describeActionError(caught, "The message could not be saved"));
      setSaving(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Escape") {
      // Cancels the edit only: the chat stays open.
      event.preventDefault();
      event.stopPropagation();
      onDone();
    } else if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      save();
    }
  };

  return (
    <div className="message-editor">
      <textarea
        ref={input}
        aria-label="Edit message"
        aria-describedby={hintId}
        value={text}
        maxLength={MAX_TEXT_LENGTH}
        rows={1}
        disabled={saving}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <p id={hintId} className="editor-hint">
        Enter to save · Escape to cancel
      </p>
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      <div className="editor-actions">
        <button type="button" className="link" onClick={() => onDone()}>
          Cancel
        </button>
        <button type="button" className="primary small-button" onClick={save} disabled={saving}>
          {saving ? "Saving…" : "Save"}
        </button>
      </div>
    </div>
  );
}
