import type { ConversationSummary, Message } from "@hallway/protocol";
import { createContext, useContext } from "react";

/** What a message in the open chat needs to know and do, beyond the message itself. */
export interface ChatContextValue {
  conversation: ConversationSummary;
  myId: string;
  nameOf(userId: string | null): string;
  /** Offer removing other people's messages (a hint; the server decides). */
  canModerate: boolean;
  /** Offer pinning messages (a hint; the server decides). */
  canPin: boolean;
  /** Opens a message's thread. */
  openThread(messageId: string): void;
  /** Takes a newer copy of a message (the reply to an edit) wherever it is shown. */
  replace(message: Message): void;
}

export const ChatContext = createContext<ChatContextValue | null>(null);

export function useChat(): ChatContextValue {
  const value = useContext(ChatContext);
  if (!value) throw new Error("useChat() outside a chat");
  return value;
}
