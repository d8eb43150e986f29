import type { AttachmentLinkBody } from "@hallway/client";
import { useCallback, useEffect, useState } from "react";
import { useHallway } from "../session/hallway-context.ts";

export interface LinkState {
  link: AttachmentLinkBody | null;
  error: string | null;
  /** Asks for a new link (the old one expired, or the picture did not load with it). */
  refresh(): Promise<AttachmentLinkBody | null>;
  /** The current link, or a new one when it has (nearly) expired. */
  fresh(): Promise<AttachmentLinkBody | null>;
}

/** A signed link to an attachment's bytes (and thumbnail), from the SDK's cache. */
export function useAttachmentLink(conversationId: string, attachmentId: string): LinkState {
  const { api } = useHallway();
  const [link, setLink] = useState<AttachmentLinkBody | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.attachmentLink(conversationId, attachmentId).then(
      (next) => {
        if (!cancelled) setLink(next);
      },
      (caught: Error) => {
        if (!cancelled) setError(caught.message);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, conversationId, attachmentId]);

  const refresh = useCallback(
    () =>
      api.attachmentLink(conversationId, attachmentId, true).then(
        (next) => {
          setLink(next);
          setError(null);
          return next;
        },
        (caught: Error) => {
          setError(caught.message);
          return null;
        },
      ),
    [api, conversationId, attachmentId],
  );

  const fresh = useCallback(async () => {
    if (link && Date.parse(link.expiresAt) - Date.now() > 5_000) return link;
    return refresh();
  }, [link, refresh]);

  return { link, error, refresh, fresh };
}
