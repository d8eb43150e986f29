import type { Message } from "@hallway/protocol";
import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { messageSummary } from "../lib/attachments.ts";
import { formatListTime } from "../lib/format.ts";
import { PinIcon } from "./icons.tsx";

/**
 * The conversation's pinned messages, under its header: how many and the latest, a button that
 * opens the list; choosing one brings it into view (or opens its thread at it). Up and down
 * arrows move in the list, Escape closes it. Changes are announced politely once the first
 * list is in, so a pin made by someone else is heard as well as seen.
 */
export function PinnedBar(props: {
  pins: Message[];
  loaded: boolean;
  nameOf(userId: string | null): string;
  onJump(message: Message): void;
}) {
  const { pins } = props;
  const [open, setOpen] = useState(false);
  const listId = useId();
  const toggle = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const count = pins.length;
  const announcement = useAnnouncement(count, props.loaded);

  useEffect(() => {
    if (count === 0) setOpen(false);
  }, [count]);

  const close = () => {
    setOpen(false);
    toggle.current?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const buttons = [...(list.current?.querySelectorAll("button") ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === "ArrowDown" && at >= 0) {
      event.preventDefault();
      buttons[Math.min(at + 1, buttons.length - 1)]?.focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      if (at === 0) toggle.current?.focus();
      else buttons[at - 1]?.focus();
    }
  };

  const latest = pins[0];
  return (
    <>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <section className="pinned-bar" aria-label="Pinned messages" hidden={count === 0} onKeyDown={onKeyDown}>
        {latest && (
          <button
            ref={toggle}
            type="button"
            className="pinned-toggle"
            aria-expanded={open}
            aria-controls={listId}
            onClick={() => setOpen((value) => !value)}
            onKeyDown={(event) => {
              if (event.key === "ArrowDown" && open) {
                event.preventDefault();
                list.current?.querySelector("button")?.focus();
              }
            }}
          >
            <PinIcon filled />
            <span className="pinned-count">
              {count} pinned {count === 1 ? "message" : "messages"}
            </span>
            <span className="pinned-latest" aria-hidden="true">
              {preview(latest)}
            </span>
            <svg className="chevron" viewBox="0 0 24 24" aria-hidden="true">
              <path
                d={open ? "M6 15l6-6 6 6" : "M6 9l6 6 6-6"}
                fill="none"
                stroke="currentColor"
                strokeWidth="2"
              />
            </svg>
          </button>
        )}
        {open && (
          <ul id={listId} ref={list} className="pinned-list">
            {pins.map((message) => (
              <li key={message.id}>
                <button
                  type="button"
                  data-message-id={message.id}
                  onClick={() => {
                    setOpen(false);
                    props.onJump(message);
                  }}
                >
                  <span className="pinned-sender">{props.nameOf(message.senderId)}</span>
                  <span className="pinned-text">{preview(message)}</span>
                  <time dateTime={message.createdAt}>{formatListTime(message.createdAt)}</time>
                  <span className="visually-hidden">, go to the message</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function preview(message: Message): string {
  const text = messageSummary(message);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** "2 pinned messages" when the count changes after the first load; nothing before. */
function useAnnouncement(count: number, loaded: boolean): string {
  const [said, setSaid] = useState("");
  const last = useRef<number | null>(null);
  useEffect(() => {
    if (!loaded) return;
    if (last.current !== null && last.current !== count)
      setSaid(count === 0 ? "No pinned messages" : `${count} pinned ${count === 1 ? "message" : "messages"}`);
    last.current = count;
  }, [count, loaded]);
  return said;
}
