import type { ConversationSummary } from "@hallway/protocol";
import { useEffect } from "react";
import type { Api } from "../session/api.ts";

const INVITE_LINK = /^#\/invite\/([0-9a-f-]{36})$/i;

/**
 * An invite link opens the app at `#/invite/<code>`. Once signed in, join the group and open
 * it; when the invite no longer works (expired, revoked, used up, or the school's rules do not
 * allow it), say why instead.
 */
export function useInviteLink(
  api: Api,
  onJoined: (conversation: ConversationSummary) => void,
  onProblem: (message: string) => void,
): void {
  useEffect(() => {
    const follow = () => {
      const code = INVITE_LINK.exec(window.location.hash)?.[1];
      if (!code) return;
      window.history.replaceState(null, "", "#/");
      api.joinInvite(code).then(
        ({ conversation }) => onJoined(conversation),
        (error: unknown) =>
          onProblem(
            error instanceof Error && error.message ? error.message : "This invite link does not work.",
          ),
      );
    };
    follow();
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, [api, onJoined, onProblem]);
}
