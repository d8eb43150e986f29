import { useCallback, useEffect, useRef, useState } from "react";

/** The longest voice note: recording stops by itself after this. */
export const MAX_VOICE_NOTE_MS = 5 * 60_000;

/** Formats the recorder may produce, best first (Chromium records WebM; Firefox Ogg; Safari MP4). */
const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];

export interface VoiceRecorder {
  status: "idle" | "starting" | "recording";
  elapsedMs: number;
  error: string | null;
  start(): void;
  /** Stops and hands the recording over. */
  stop(): void;
  /** Stops and throws the recording away. */
  cancel(): void;
  /** Whether this browser can record at all. */
  supported: boolean;
}

/**
 * Records a voice note with the microphone (MediaRecorder). A refused or missing microphone
 * is said in words; the microphone is released as soon as recording ends.
 */
export function useVoiceRecorder(onRecorded: (file: File, durationMs: number) => void): VoiceRecorder {
  const [status, setStatus] = useState<VoiceRecorder["status"]>("idle");
  const [elapsedMs, setElapsed] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const keep = useRef(false);
  const startedAt = useRef(0);
  const latest = useRef(onRecorded);
  latest.current = onRecorded;
  const supported = "MediaRecorder" in window && Boolean(navigator.mediaDevices?.getUserMedia);

  useEffect(() => {
    if (status !== "recording") return;
    const timer = setInterval(() => {
      const elapsed = Date.now() - startedAt.current;
      setElapsed(elapsed);
      if (elapsed >= MAX_VOICE_NOTE_MS) {
        keep.current = true;
        recorder.current?.stop();
      }
    }, 250);
    return () => clearInterval(timer);
  }, [status]);

  // Leaving the chat while recording throws the recording away and frees the microphone.
  useEffect(
    () => () => {
      keep.current = false;
      if (recorder.current?.state === "recording") recorder.current.stop();
    },
    [],
  );

  const start = useCallback(async () => {
    if (!supported) {
      setError(
        window.isSecureContext
          ? "This browser can't record voice notes."
          : "Voice notes need a secure (https) connection to Hallway.",
      );
      return;
    }
    setError(null);
    setStatus("starting");
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (caught) {
      setStatus("idle");
      setError(microphoneProblem(caught));
      return;
    }
    const mimeType = TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    const media = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    const chunks: Blob[] = [];
    media.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    media.onstop = () => {
      for (const track of stream.getTracks()) track.stop();
      recorder.current = null;
      setStatus("idle");
      const durationMs = Date.now() - startedAt.current;
      if (!keep.current || chunks.length === 0) return;
      const type = (media.mimeType || mimeType || "audio/webm").split(";")[0]!;
      const extension = type.includes("ogg") ? "ogg" : type.includes("mp4") ? "m4a" : "webm";
      const file = new File(chunks, `Voice note ${fileStamp(new Date())}.${extension}`, { type });
      latest.current(file, durationMs);
    };
    recorder.current = media;
    keep.current = false;
    startedAt.current = Date.now();
    setElapsed(0);
    media.start(1000);
    setStatus("recording");
  }, [supported]);

  const stop = useCallback(() => {
    keep.current = true;
    recorder.current?.stop();
  }, []);
  const cancel = useCallback(() => {
    keep.current = false;
    recorder.current?.stop();
  }, []);

  return { status, elapsedMs, error, start, stop, cancel, supported };
}

function microphoneProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError")
    return "Hallway may not use your microphone. Allow it for this site in your browser's settings, then try again.";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "No microphone was found.";
  if (name === "NotReadableError") return "The microphone is in use by another app.";
  return "The microphone could not be started.";
}

/** "2025-03-14 09.05" */
function fileStamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}.${pad(date.getMinutes())}`;
}
