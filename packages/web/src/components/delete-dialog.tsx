import type { Message } from "@hallway/protocol";
import { useEffect, useRef, useState } from "react";
import { messageSummary } from "../lib/attachments.ts";
import { describeActionError } from "../lib/errors.ts";
import { useHallway } from "../session/hallway-context.ts";
import { DialogFooter } from "./dialog-footer.tsx";

/**
 * Asks before deleting a message (mine, or someone else's as a moderator). The server decides:
 * a refusal is shown in the dialog, which stays open.
 */
export function DeleteDialog(props: {
  message: Message;
  mine: boolean;
  senderName: string;
  onClose(): void;
}) {
  const { message, onClose } = props;
  const { api } = useHallway();
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.deleteMessage(message.conversationId, message.id);
      dialog.current?.close();
    } catch (caught) {
      setError(describeActionError(caught, "The message could not be deleted"));
      setBusy(false);
    }
  };

  const preview = messageSummary(message);
  return (
    <dialog
      ref={dialog}
      className="dialog confirm-dialog"
      aria-labelledby="delete-title"
      aria-describedby="delete-description"
      onClose={onClose}
    >
      <h2 id="delete-title">
        {props.mine ? "Delete your message?" : `Remove ${props.senderName}'s message?`}
      </h2>
      <blockquote className="quoted">
        {preview.length > 140 ? `${preview.slice(0, 140)}…` : preview}
      </blockquote>
      <p id="delete-description" className="muted">
        Everyone in the conversation will see “This message was deleted” in its place. This can't be undone.
      </p>
      <DialogFooter
        error={error}
        busy={busy}
        action="Delete"
        busyAction="Deleting…"
        danger
        onAction={confirm}
        onCancel={() => dialog.current?.close()}
      />
    </dialog>
  );
}
