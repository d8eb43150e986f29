import { createContext, useContext } from "react";

/**
 * Whether the focus is in this message. The history is one stop in the tab order: the arrow
 * keys move between messages, and only the message with the focus puts its buttons (actions,
 * reactions, files, thread) in the tab order. Fifty messages are not two hundred Tab presses.
 */
export const MessageFocusContext = createContext(true);

/** The tabIndex for a control inside a message: 0 in the message with the focus, else -1. */
export function useMessageTabIndex(): 0 | -1 {
  return useContext(MessageFocusContext) ? 0 : -1;
}
