import { MAX_TEXT_LENGTH } from "@hallway/protocol";
import { type FormEvent, type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useTypingNotifier } from "../hooks/use-typing.ts";

/** Unsent text per conversation, kept while the page is open. */
const drafts = new Map<string, string>();

/** The message box: Enter sends, Shift+Enter adds a line; it grows with its text. */
export function Composer(props: { conversationId: string; label: string; onSend(text: string): void }) {
  const { conversationId, onSend } = props;
  const [text, setText] = useState(() => drafts.get(conversationId) ?? "");
  const input = useRef<HTMLTextAreaElement>(null);
  const typing = useTypingNotifier(conversationId);

  useEffect(() => {
    drafts.set(conversationId, text);
  }, [conversationId, text]);

  useEffect(() => {
    // Opening a conversation puts the cursor here, except on touch screens (it would pop the keyboard up).
    if (!window.matchMedia("(pointer: coarse)").matches) input.current?.focus();
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the box is resized whenever its text changes.
  useLayoutEffect(() => {
    const element = input.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight, 180)}px`;
  }, [text]);

  const send = () => {
    if (!text.trim()) return;
    onSend(text);
    typing.sent();
    setText("");
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      <label htmlFor="composer-input" className="visually-hidden">
        {props.label}
      </label>
      <textarea
        id="composer-input"
        ref={input}
        rows={1}
        value={text}
        maxLength={MAX_TEXT_LENGTH}
        placeholder="Write a message…"
        aria-describedby="composer-hint"
        onChange={(e) => {
          setText(e.target.value);
          typing.typed(e.target.value);
        }}
        onKeyDown={onKeyDown}
      />
      <span id="composer-hint" className="visually-hidden">
        Enter sends. Shift and Enter start a new line.
      </span>
      <button type="submit" className="send-button" aria-label="Send message" disabled={!text.trim()}>
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M4 12l16-8-6 16-2.5-6.5z" fill="currentColor" />
        </svg>
      </button>
    </form>
  );
}
