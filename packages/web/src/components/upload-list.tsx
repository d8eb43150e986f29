import type { Uploads } from "../hooks/use-uploads.ts";
import { describeType, formatBytes, formatDuration } from "../lib/attachments.ts";

/**
 * The files waiting to go with the next message: each with its name, size and type, a
 * progress bar while it uploads, "Ready" once stored, or why it was refused; each can be removed.
 */
export function UploadList(props: { uploads: Uploads }) {
  const { uploads, remove, retry } = props.uploads;
  if (uploads.length === 0) return null;
  return (
    <ul className="upload-list" aria-label="Files to send" aria-live="polite">
      {uploads.map((upload) => {
        const percent = Math.round(upload.progress * 100);
        return (
          <li key={upload.key} className={`upload ${upload.status}`} data-status={upload.status}>
            <span className="upload-icon" aria-hidden="true">
              {upload.mime.startsWith("image/") ? "🖼" : upload.mime.startsWith("audio/") ? "🎤" : "📄"}
            </span>
            <span className="upload-text">
              <span className="upload-name">{upload.name}</span>
              <span className="upload-details">
                {upload.durationMs !== undefined
                  ? `Voice note · ${formatDuration(upload.durationMs)}`
                  : describeType(upload.mime, upload.name)}{" "}
                · {formatBytes(upload.size)}
              </span>
              {upload.status === "uploading" && (
                <span className="upload-progress">
                  <progress max={100} value={percent} aria-label={`Uploading ${upload.name}`} />
                  <span aria-hidden="true">{percent}%</span>
                </span>
              )}
              {upload.status === "done" && <span className="upload-ready">Ready to send</span>}
              {upload.status === "failed" && (
                <span className="upload-error" role="alert">
                  {upload.error}
                </span>
              )}
            </span>
            {upload.status === "failed" && upload.retryable && (
              <button type="button" className="link" onClick={() => retry(upload.key)}>
                Try again
              </button>
            )}
            <button
              type="button"
              className="icon-button small"
              aria-label={`Remove ${upload.name}`}
              onClick={() => remove(upload.key)}
            >
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** While recording: a red dot, the time so far, Stop (keeps it) and Cancel (throws it away). */
export function VoiceRecorderBar(props: {
  elapsedMs: number;
  starting: boolean;
  onStop(): void;
  onCancel(): void;
}) {
  return (
    <div className="recording-bar">
      <span className="recording-dot" aria-hidden="true" />
      <span role="status">{props.starting ? "Starting the microphone…" : "Recording voice note"}</span>
      <span className="recording-time" role="timer" aria-label="Recorded so far">
        {formatDuration(props.elapsedMs)}
      </span>
      <button type="button" className="primary small-button" onClick={props.onStop} disabled={props.starting}>
        Stop
      </button>
      <button type="button" className="link" onClick={props.onCancel} disabled={props.starting}>
        Cancel
      </button>
    </div>
  );
}
