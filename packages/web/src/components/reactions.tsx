import type { Message } from "@hallway/protocol";
import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { usePeople } from "../hooks/use-directory.ts";
import { emojiName, QUICK_REACTIONS } from "../lib/emoji.ts";
import { describeActionError } from "../lib/errors.ts";
import { listNames } from "../lib/format.ts";
import { useHallway } from "../session/hallway-context.ts";
import { useChat } from "../state/chat-context.ts";
import { useMessageTabIndex } from "../state/message-focus.ts";

/** Adds my reaction, or takes it back: `reaction.toggle`; everyone sees `reaction.updated`. */
export function useToggleReaction(message: Message): {
  toggle(emoji: string): void;
  error: string | null;
} {
  const { client } = useHallway();
  const [error, setError] = useState<string | null>(null);
  const toggle = (emoji: string) => {
    const mine = message.reactions?.find((r) => r.emoji === emoji)?.me ?? false;
    setError(null);
    client.react(message.conversationId, message.id, emoji, !mine).catch((caught) => {
      setError(describeActionError(caught, "The reaction could not be saved"));
    });
  };
  return { toggle, error };
}

/**
 * The reactions under a message: one button per emoji with its count (mine pressed), which
 * toggles my own; hovering or focusing it says who reacted (`reaction.list`, names from the
 * directory), asked again when the counts change.
 */
export function ReactionBar(props: { message: Message; onToggle(emoji: string): void }) {
  const { message } = props;
  const { api } = useHallway();
  const { myId } = useChat();
  const reactions = message.reactions ?? [];
  // Who reacted, as of the counts in `version` (asked again when they change).
  const [who, setWho] = useState<{ version: string; byEmoji: Map<string, string[]> } | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const version = reactions.map((r) => `${r.emoji}${r.count}${r.me}`).join(" ");
  const tooltipId = useId();
  const tabIndex = useMessageTabIndex();
  const known = who?.version === version ? who.byEmoji : null;

  useEffect(() => {
    if (shown === null || known) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      api.reactions(message.conversationId, message.id).then(
        (list) => {
          if (!cancelled)
            setWho({ version, byEmoji: new Map(list.reactions.map((r) => [r.emoji, r.userIds])) });
        },
        () => {},
      );
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, message.conversationId, message.id, shown, known, version]);

  const everyone = known ? [...new Set([...known.values()].flat())] : [];
  const personOf = usePeople(everyone.filter((id) => id !== myId));
  const show = setShown;

  if (reactions.length === 0) return null;
  const namesOf = (emoji: string) => {
    const ids = known?.get(emoji);
    if (!ids) return "Loading who reacted…";
    const names = ids.filter((id) => id !== myId).map((id) => personOf(id)?.displayName ?? "Someone");
    if (ids.includes(myId)) names.push("you");
    return `${listNames(names)} reacted with ${emojiName(emoji)}`;
  };

  return (
    <ul className="reactions" aria-label="Reactions">
      {reactions.map((reaction) => (
        <li key={reaction.emoji}>
          <button
            type="button"
            tabIndex={tabIndex}
            className={`reaction${reaction.me ? " mine" : ""}`}
            aria-pressed={reaction.me}
            aria-label={`${emojiName(reaction.emoji)}: ${reaction.count} ${
              reaction.count === 1 ? "person" : "people"
            }${reaction.me ? ", including you" : ""}`}
            aria-describedby={shown === reaction.emoji ? tooltipId : undefined}
            data-emoji={reaction.emoji}
            onClick={() => props.onToggle(reaction.emoji)}
            onMouseEnter={() => show(reaction.emoji)}
            onMouseLeave={() => setShown(null)}
            onFocus={() => show(reaction.emoji)}
            onBlur={() => setShown(null)}
          >
            <span aria-hidden="true">{reaction.emoji}</span>
            <span className="reaction-count" aria-hidden="true">
              {reaction.count}
            </span>
          </button>
          {shown === reaction.emoji && (
            <span role="tooltip" id={tooltipId} className="tooltip">
              {namesOf(reaction.emoji)}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * A small popup of emoji to react with: it takes the focus, arrow keys move between them,
 * Escape (or a click elsewhere) closes it and gives the focus back.
 */
export function ReactionPicker(props: { onPick(emoji: string): void; onClose(): void }) {
  const box = useRef<HTMLDivElement>(null);
  const { onClose } = props;
  useEffect(() => {
    box.current?.querySelector("button")?.focus();
    const outside = (event: PointerEvent) => {
      if (!box.current?.contains(event.target as Node)) onClose();
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, [onClose]);
  const onKeyDown = (event: KeyboardEvent) => {
    const buttons = [...(box.current?.querySelectorAll("button") ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    } else if (event.key === "ArrowRight" || event.key === "ArrowDown") {
      event.preventDefault();
      buttons[(at + 1) % buttons.length]?.focus();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowUp") {
      event.preventDefault();
      buttons[(at - 1 + buttons.length) % buttons.length]?.focus();
    }
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of buttons, not a form's fieldset.
    <div
      className="reaction-picker"
      role="group"
      aria-label="Pick a reaction"
      ref={box}
      onKeyDown={onKeyDown}
    >
      {QUICK_REACTIONS.map(({ emoji, name }) => (
        <button
          key={emoji}
          type="button"
          aria-label={`React with ${name}`}
          onClick={() => props.onPick(emoji)}
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}
