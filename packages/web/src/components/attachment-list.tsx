import type { Attachment } from "@hallway/protocol";
import { type MouseEvent, useEffect, useRef, useState } from "react";
import { useAttachmentLink } from "../hooks/use-attachment-link.ts";
import { describeType, formatBytes, formatDuration, isVoiceNote } from "../lib/attachments.ts";
import { useMessageTabIndex } from "../state/message-focus.ts";

/**
 * A message's files: pictures as thumbnails (click for the full picture), sounds as a player,
 * anything else as a card with its name, type and size that downloads it. The bytes come
 * through short-lived signed links; an expired one is replaced before use.
 */
export function AttachmentList(props: { conversationId: string; attachments: Attachment[] }) {
  const images = props.attachments.filter((a) => a.kind === "image");
  const others = props.attachments.filter((a) => a.kind !== "image");
  return (
    <div className="attachments">
      {images.length > 0 && (
        <ul className="image-grid" aria-label="Photos">
          {images.map((attachment) => (
            <li key={attachment.id}>
              <ImageAttachment conversationId={props.conversationId} attachment={attachment} />
            </li>
          ))}
        </ul>
      )}
      {others.map((attachment) =>
        attachment.kind === "audio" ? (
          <AudioAttachment
            key={attachment.id}
            conversationId={props.conversationId}
            attachment={attachment}
          />
        ) : (
          <FileCard key={attachment.id} conversationId={props.conversationId} attachment={attachment} />
        ),
      )}
    </div>
  );
}

function ImageAttachment(props: { conversationId: string; attachment: Attachment }) {
  const { attachment } = props;
  const { link, error, refresh, fresh } = useAttachmentLink(props.conversationId, attachment.id);
  const [open, setOpen] = useState(false);
  const retried = useRef(false);
  const tabIndex = useMessageTabIndex();
  // The preview keeps the picture's shape, within a box.
  const ratio = attachment.width && attachment.height ? attachment.width / attachment.height : 4 / 3;
  const width = Math.round(Math.min(260, 200 * ratio));
  const height = Math.round(width / ratio);
  return (
    <>
      <button
        type="button"
        className="image-attachment"
        tabIndex={tabIndex}
        aria-label={`Open photo ${attachment.name}`}
        onClick={() => {
          fresh().then(() => setOpen(true));
        }}
      >
        {link ? (
          <img
            src={link.thumbnailUrl ?? link.url}
            alt={attachment.name}
            width={width}
            height={height}
            onError={() => {
              // Once: the link may have expired while the page was open.
              if (retried.current) return;
              retried.current = true;
              refresh();
            }}
          />
        ) : (
          // The size the picture will take, so the history does not jump when it arrives.
          <span className="image-placeholder" style={{ width, height }}>
            {error ? "Photo unavailable" : "Loading photo…"}
          </span>
        )}
      </button>
      {open && link && <ImageViewer attachment={attachment} url={link.url} onClose={() => setOpen(false)} />}
    </>
  );
}

/** The full picture in a modal dialog: Escape or the button closes it. */
function ImageViewer(props: { attachment: Attachment; url: string; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { attachment } = props;
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      className="image-viewer"
      aria-label={`Photo ${attachment.name}`}
      onClose={props.onClose}
    >
      <img src={props.url} alt={attachment.name} />
      <div className="image-viewer-bar">
        <span>
          {attachment.name}
          {attachment.width && attachment.height ? ` · ${attachment.width}×${attachment.height}` : ""} ·{" "}
          {formatBytes(attachment.size)}
        </span>
        <a href={props.url} download={attachment.name}>
          Download
        </a>
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}

function AudioAttachment(props: { conversationId: string; attachment: Attachment }) {
  const { attachment } = props;
  const { link, error, refresh } = useAttachmentLink(props.conversationId, attachment.id);
  const retried = useRef(false);
  const tabIndex = useMessageTabIndex();
  const voice = isVoiceNote(attachment);
  const duration = attachment.durationMs ? formatDuration(attachment.durationMs) : null;
  const label = voice ? "Voice note" : attachment.name;
  return (
    <figure className="audio-attachment">
      <figcaption>
        <span aria-hidden="true">{voice ? "🎤" : "🎵"}</span> {label}
        {duration && <span className="muted"> · {duration}</span>}
      </figcaption>
      {link ? (
        // biome-ignore lint/a11y/useMediaCaption: a voice note has no captions to offer.
        <audio
          controls
          tabIndex={tabIndex}
          preload="metadata"
          src={link.url}
          aria-label={duration ? `${label}, ${duration}` : label}
          onError={() => {
            if (retried.current) return;
            retried.current = true;
            refresh();
          }}
        />
      ) : (
        <span className="muted small">{error ? "Not available" : "Loading…"}</span>
      )}
    </figure>
  );
}

function FileCard(props: { conversationId: string; attachment: Attachment }) {
  const { attachment } = props;
  const { link, fresh } = useAttachmentLink(props.conversationId, attachment.id);
  const type = describeType(attachment.mime, attachment.name);
  const renewed = useRef(false);
  const tabIndex = useMessageTabIndex();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (renewed.current) {
      renewed.current = false;
      return;
    }
    if (link && Date.parse(link.expiresAt) - Date.now() > 5_000) return;
    // No link yet, or an expired one: get a new one, then download with it.
    event.preventDefault();
    const anchor = event.currentTarget;
    fresh().then((next) => {
      if (!next) return;
      anchor.href = next.url;
      renewed.current = true;
      anchor.click();
    });
  };
  return (
    <a
      className="file-card"
      tabIndex={tabIndex}
      href={link?.url ?? "#"}
      download={attachment.name}
      onClick={onClick}
      data-attachment-kind={attachment.kind}
    >
      <span className="file-icon" aria-hidden="true">
        {fileIcon(attachment.mime)}
      </span>
      <span className="file-text">
        <span className="file-name">{attachment.name}</span>
        <span className="file-details">
          {type} · {formatBytes(attachment.size)}
        </span>
      </span>
      <span className="visually-hidden">, download</span>
    </a>
  );
}

function fileIcon(mime: string): string {
  if (mime === "application/pdf") return "📕";
  if (mime.startsWith("text/")) return "📝";
  if (mime.includes("spreadsheet") || mime.includes("excel")) return "📊";
  if (mime.includes("presentation") || mime.includes("powerpoint")) return "📽";
  if (mime.startsWith("video/")) return "🎞";
  if (mime.includes("zip")) return "🗜";
  return "📄";
}
