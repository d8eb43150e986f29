import type { ConversationSummary } from "@hallway/protocol";
import { createContext, useContext } from "react";

/** My conversations and a way to open one: for choosing where to forward a message. */
export interface ConversationListValue {
  conversations: ConversationSummary[];
  open(conversationId: string): void;
}

export const ConversationListContext = createContext<ConversationListValue | null>(null);

export function useConversationList(): ConversationListValue {
  const value = useContext(ConversationListContext);
  if (!value) throw new Error("useConversationList() outside the shell");
  return value;
}
