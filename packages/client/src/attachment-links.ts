import type { AttachmentLink } from "@hallway/protocol";
import type { RestClient } from "./rest.ts";

export type AttachmentLinkBody = ReturnType<typeof AttachmentLink.parse>;

/** A link is asked for again when it has less than this left (a download must have time to start). */
const MARGIN_MS = 30_000;

/**
 * Signed links to attachments' bytes, kept until shortly before they expire: a page that shows
 * the same picture twice, or again after scrolling, asks once. Links are absolute URLs.
 */
export class AttachmentLinks {
  private readonly links = new Map<string, Promise<AttachmentLinkBody>>();

  constructor(private readonly rest: RestClient) {}

  get(conversationId: string, attachmentId: string, options: { refresh?: boolean } = {}) {
    const key = `${conversationId}/${attachmentId}`;
    const known = this.links.get(key);
    if (known && !options.refresh) return known;
    const fetching = this.fetch(conversationId, attachmentId);
    this.links.set(key, fetching);
    fetching.then(
      (link) => {
        // Forget it shortly before it expires; a later `get` asks for a new one.
        const ttl = Date.parse(link.expiresAt) - Date.now() - MARGIN_MS;
        const forget = () => {
          if (this.links.get(key) === fetching) this.links.delete(key);
        };
        if (!(ttl > 0)) forget();
        else {
          const timer = setTimeout(forget, Math.min(ttl, 2 ** 31 - 1));
          (timer as { unref?: () => void }).unref?.();
        }
      },
      () => {
        if (this.links.get(key) === fetching) this.links.delete(key);
      },
    );
    return fetching;
  }

  private async fetch(conversationId: string, attachmentId: string): Promise<AttachmentLinkBody> {
    const link = await this.rest.request<AttachmentLinkBody>(
      "GET",
      `/api/v1/conversations/${conversationId}/attachments/${attachmentId}/link`,
    );
    const absolute = (url: string) => new URL(url, `${this.rest.baseUrl}/`).toString();
    return {
      ...link,
      url: absolute(link.url),
      thumbnailUrl: link.thumbnailUrl === null ? null : absolute(link.thumbnailUrl),
    };
  }
}
