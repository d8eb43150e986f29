import type { ConversationEvent, EventPublisher, MembershipChange, ReceiptMove } from "./event-publisher.ts";

type Listener = {
  events?: (events: ConversationEvent[]) => void;
  membership?: (change: MembershipChange) => void;
  sessions?: (userId: string, sessionIds: string[] | "all") => void;
  receipts?: (move: ReceiptMove) => void;
};

/**
 * The in-process event bus: services publish committed changes, the gateway (and tests)
 * listen. Listeners run synchronously; a throwing listener does not stop the others.
 */
export class LocalEventBus implements EventPublisher {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly onError: (error: unknown) => void = (error) => console.error(error)) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(events: ConversationEvent[]): void {
    for (const l of this.listeners) this.safely(() => l.events?.(events));
  }

  membershipChanged(change: MembershipChange): void {
    for (const l of this.listeners) this.safely(() => l.membership?.(change));
  }

  sessionsRevoked(userId: string, sessionIds: string[] | "all"): void {
    for (const l of this.listeners) this.safely(() => l.sessions?.(userId, sessionIds));
  }

  receiptMoved(move: ReceiptMove): void {
    for (const l of this.listeners) this.safely(() => l.receipts?.(move));
  }

  private safely(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.onError(error);
    }
  }
}
