import { type Attachment, MAX_TEXT_LENGTH, type UserProfile } from "@hallway/protocol";
import {
  type ClipboardEvent,
  type FormEvent,
  type KeyboardEvent,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from "react";
import { useTypingNotifier } from "../hooks/use-typing.ts";
import type { Uploads } from "../hooks/use-uploads.ts";
import { useVoiceRecorder } from "../hooks/use-voice-recorder.ts";
import { mentionQueryAt } from "../lib/mentions.ts";
import { MicrophoneIcon, PaperclipIcon } from "./icons.tsx";
import {
  candidateText,
  type MentionCandidate,
  MentionSuggestions,
  mentionCandidates,
} from "./mention-suggestions.tsx";
import { UploadList, VoiceRecorderBar } from "./upload-list.tsx";

/** Unsent text per conversation (or thread), kept while the page is open. */
const drafts = new Map<string, string>();

/**
 * The message box: Enter sends, Shift+Enter adds a line; it grows with its text. `@` suggests
 * the conversation's members. Files come from the paperclip, a paste or a drop on the chat, and
 * upload at once; the microphone records a voice note. Text, files or both go in one message.
 */
export function Composer(props: {
  /** Unique on the page: the main box and the thread's. */
  id: string;
  conversationId: string;
  /** Where its draft is kept: the conversation, or the thread. */
  draftKey: string;
  label: string;
  placeholder: string;
  /** Who may be mentioned (the members), and whether to offer @everyone. */
  people: UserProfile[];
  myId: string;
  offerEveryone: boolean;
  uploads: Uploads;
  onSend(text: string, attachments: Attachment[]): void;
}) {
  const { conversationId, draftKey, onSend, uploads, id } = props;
  const [text, setText] = useState(() => drafts.get(draftKey) ?? "");
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const [active, setActive] = useState(0);
  const [hint, setHint] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const typing = useTypingNotifier(conversationId);
  const recorder = useVoiceRecorder((file, durationMs) => uploads.add([file], { durationMs }));

  const candidates = mention
    ? mentionCandidates(props.people, mention.query, props.myId, props.offerEveryone)
    : [];
  const suggesting = candidates.length > 0;
  const listId = `${id}-mentions`;

  useEffect(() => {
    drafts.set(draftKey, text);
  }, [draftKey, text]);

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

  const follow = (value: string, caret: number) => {
    const next = mentionQueryAt(value, caret);
    setMention(next);
    if (next?.query !== mention?.query) setActive(0);
  };

  const canSend = (text.trim() !== "" || uploads.ready > 0) && !uploads.busy;
  const send = () => {
    if (uploads.busy) return setHint("Wait for the files to finish uploading.");
    if (!canSend) return;
    onSend(text.trim() ? text : "", uploads.take());
    typing.sent();
    setText("");
    setMention(null);
    setHint(null);
  };

  const pick = (candidate: MentionCandidate) => {
    const element = input.current;
    if (!element || !mention) return;
    const caret = element.selectionStart;
    const inserted = `${candidateText(candidate)} `;
    const next = text.slice(0, mention.start) + inserted + text.slice(caret);
    setText(next);
    setMention(null);
    const at = mention.start + inserted.length;
    requestAnimationFrame(() => {
      element.focus();
      element.setSelectionRange(at, at);
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggesting) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((i) => (i + step + candidates.length) % candidates.length);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
        event.preventDefault();
        pick(candidates[Math.min(active, candidates.length - 1)]!);
        return;
      }
      if (event.key === "Escape") {
        // Closes the suggestions only: the chat stays open.
        event.preventDefault();
        event.stopPropagation();
        setMention(null);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...event.clipboardData.files];
    if (files.length === 0) return;
    event.preventDefault();
    uploads.add(files);
  };

  const recording = recorder.status !== "idle";
  return (
    <form
      className="composer"
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        send();
      }}
    >
      <UploadList uploads={uploads} />
      {recording && (
        <VoiceRecorderBar
          elapsedMs={recorder.elapsedMs}
          starting={recorder.status === "starting"}
          onStop={recorder.stop}
          onCancel={recorder.cancel}
        />
      )}
      {(recorder.error || hint || uploads.notice) && (
        <p className="error small composer-problem" role="alert">
          {recorder.error ?? uploads.notice ?? hint}
        </p>
      )}
      {suggesting && (
        <MentionSuggestions
          id={listId}
          candidates={candidates}
          active={Math.min(active, candidates.length - 1)}
          onPick={pick}
          onHover={setActive}
        />
      )}
      <div className="composer-row">
        <label htmlFor={`${id}-input`} className="visually-hidden">
          {props.label}
        </label>
        <textarea
          id={`${id}-input`}
          ref={input}
          rows={1}
          value={text}
          maxLength={MAX_TEXT_LENGTH}
          placeholder={props.placeholder}
          aria-describedby={`${id}-hint`}
          aria-autocomplete="list"
          aria-controls={suggesting ? listId : undefined}
          aria-activedescendant={
            suggesting ? `${listId}-${Math.min(active, candidates.length - 1)}` : undefined
          }
          onChange={(e) => {
            setText(e.target.value);
            typing.typed(e.target.value);
            follow(e.target.value, e.target.selectionStart);
          }}
          onSelect={(e) => follow(e.currentTarget.value, e.currentTarget.selectionStart)}
          onBlur={() => setMention(null)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <span id={`${id}-hint`} className="visually-hidden">
          Enter sends. Shift and Enter start a new line. Type @ to mention someone.
        </span>
        <button
          type="button"
          className="icon-button tool"
          aria-label="Attach files"
          title="Attach files"
          onClick={() => picker.current?.click()}
        >
          <PaperclipIcon />
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          data-testid={`${id}-files`}
          onChange={(event) => {
            uploads.add([...(event.target.files ?? [])]);
            event.target.value = "";
          }}
        />
        <button
          type="button"
          className="icon-button tool"
          aria-label="Record a voice note"
          title="Record a voice note"
          disabled={recording}
          onClick={recorder.start}
        >
          <MicrophoneIcon />
        </button>
        <button
          type="submit"
          className="send-button"
          aria-label="Send message"
          disabled={!canSend}
          title={uploads.busy ? "Waiting for the files to upload" : undefined}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 12l16-8-6 16-2.5-6.5z" fill="currentColor" />
          </svg>
        </button>
      </div>
      {suggesting && (
        <span className="visually-hidden" role="status">
          {candidates.length} {candidates.length === 1 ? "suggestion" : "suggestions"}: up and down to choose,
          Enter to insert.
        </span>
      )}
    </form>
  );
}
