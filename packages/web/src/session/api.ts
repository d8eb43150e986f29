import { type HallwayClient, HallwayClientError, type UploadOptions } from "@hallway/client";
import type {
  ConversationSummary,
  Member,
  MessagePage,
  SearchMessagesResult,
  Session,
  UserProfile,
} from "@hallway/protocol";
import { adoptSession } from "./adopt-session.ts";
import { loadSession } from "./session-storage.ts";

export type MemberInfo = ReturnType<typeof Member.parse>;
type MessagePageBody = ReturnType<typeof MessagePage.parse>;

/** How many messages a history page holds. */
export const HISTORY_PAGE = 50;

/**
 * The REST calls the web app makes, through the SDK's REST helper. An expired access token is
 * refreshed once (or taken from another tab that already refreshed it) and the call retried.
 */
export class Api {
  private refreshing?: Promise<void>;

  constructor(
    private readonly client: HallwayClient,
    /** Called when the server refuses a refresh: the person has to sign in again. */
    private readonly onSessionLost: () => void,
  ) {}

  conversation(conversationId: string) {
    return this.call<ConversationSummary>("GET", `/api/v1/conversations/${conversationId}`);
  }

  openDirect(userId: string) {
    return this.call<ConversationSummary>("POST", "/api/v1/conversations/direct", { userId });
  }

  createGroup(name: string, memberIds: string[]) {
    return this.call<ConversationSummary>("POST", "/api/v1/conversations", { name, memberIds });
  }

  async members(conversationId: string): Promise<MemberInfo[]> {
    const page = await this.call<{ members: MemberInfo[] }>(
      "GET",
      `/api/v1/conversations/${conversationId}/members?limit=500`,
    );
    return page.members;
  }

  /** The newest page, or the page before `before`; always in ascending order. */
  history(conversationId: string, before?: number) {
    const query = new URLSearchParams({ limit: String(HISTORY_PAGE) });
    if (before !== undefined) query.set("before", String(before));
    return this.call<MessagePageBody>("GET", `/api/v1/conversations/${conversationId}/messages?${query}`);
  }

  async searchUsers(q: string): Promise<UserProfile[]> {
    const query = new URLSearchParams({ q, limit: "20" });
    return (await this.call<{ users: UserProfile[] }>("GET", `/api/v1/users?${query}`)).users;
  }

  /** Joins the group of an invite link's code. */
  joinInvite(code: string) {
    return this.call<{ conversation: ConversationSummary; joined: boolean }>(
      "POST",
      `/api/v1/invites/${encodeURIComponent(code)}/join`,
    );
  }

  /** Message search (GET /api/v1/search/messages): `q` with inline filters, a page after `cursor`. */
  searchMessages(q: string, cursor?: string) {
    const query = new URLSearchParams({ q, limit: "20" });
    if (cursor) query.set("cursor", cursor);
    return this.call<SearchMessagesResult>("GET", `/api/v1/search/messages?${query}`);
  }

  user(userId: string) {
    return this.call<UserProfile>("GET", `/api/v1/users/${userId}`);
  }

  /** A thread: its parent and a page of replies after `after`. */
  thread(conversationId: string, messageId: string, after?: number) {
    return this.retried(() => this.client.fetchThread(conversationId, messageId, { after, limit: 50 }));
  }

  editMessage(conversationId: string, messageId: string, text: string) {
    return this.retried(() => this.client.edit(conversationId, messageId, text));
  }

  deleteMessage(conversationId: string, messageId: string) {
    return this.retried(() => this.client.deleteMessage(conversationId, messageId));
  }

  /** Pins a message (or unpins it, `pinned` false). */
  pin(conversationId: string, messageId: string, pinned: boolean) {
    return this.retried(() => this.client.pin(conversationId, messageId, pinned));
  }

  /** The conversation's pinned messages, most recently pinned first. */
  pins(conversationId: string) {
    return this.retried(() => this.client.listPins(conversationId));
  }

  /** Forwards a message; the same `clientId` again lands once. */
  forward(conversationId: string, messageId: string, targetConversationId: string, clientId: string) {
    return this.retried(() => this.client.forward(conversationId, messageId, targetConversationId, clientId));
  }

  /** Who reacted with what. */
  reactions(conversationId: string, messageId: string) {
    return this.retried(() => this.client.listReactions(conversationId, messageId));
  }

  upload(conversationId: string, file: Blob, options: UploadOptions) {
    return this.retried(() => this.client.upload(conversationId, file, options));
  }

  attachmentLink(conversationId: string, attachmentId: string, refresh = false) {
    return this.retried(() => this.client.attachmentLink(conversationId, attachmentId, { refresh }));
  }

  signOut() {
    return this.call<null>("POST", "/api/v1/auth/sign-out");
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.retried(() => this.client.rest.request<T>(method, path, body));
  }

  /** Runs a call, and once more after refreshing the tokens if they had expired. */
  private async retried<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof HallwayClientError) || error.code !== "TOKEN_EXPIRED") throw error;
      await this.refresh();
      return call();
    }
  }

  /** One refresh at a time, however many calls found the token expired. */
  refresh(): Promise<void> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    const current = this.client.session!;
    const stored = loadSession();
    if (
      stored &&
      stored.user.id === current.user.id &&
      stored.refreshToken !== current.refreshToken &&
      Date.parse(stored.accessTokenExpiresAt) > Date.now() + 10_000
    ) {
      adoptSession(this.client, stored); // another tab refreshed already
      return;
    }
    let next: Session;
    try {
      next = await this.client.rest.refresh(current.refreshToken);
    } catch (error) {
      // Refused by the server: the session is over. A network failure is not (retry later).
      if (error instanceof HallwayClientError && error.status === 401) this.onSessionLost();
      throw error;
    }
    this.client.emit("session", adoptSession(this.client, next));
  }
}
