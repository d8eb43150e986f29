import WebSocket from "ws";

/** What the bench needs from a delivered text message: its text, and when it arrived. */
export type OnDelivery = (text: string, at: number) => void;

const CREATED = '{"ev":"message.created","data":{';

/**
 * A WebSocket for the SDK (its `WebSocket` option) that takes the deliveries of other people's
 * text messages out of the stream before the SDK parses them. On two cores the load generator
 * shares the machine with the server and PostgreSQL, and a JSON.parse of every delivery (30,000
 * a second) is a fifth of its CPU; so it reads only what it checks: the sender, the kind and the
 * text (whose "<i>|<sent at>|" prefix says which send it was and when it left). The time of
 * arrival is taken when the frame reaches JavaScript, before anything else. Every other frame
 * (replies, the sender's own echo, other events) goes to the SDK as usual, so connecting,
 * resuming, sending and acknowledgements all go through it.
 *
 * The server encodes events with JSON.stringify of the protocol's objects, so the fields come in
 * a fixed order and the text is a JSON string; the bench's texts carry no escapes before their
 * second "|", so the prefix reads the same raw or decoded.
 */
export function leanSocket(userId: () => string | undefined, onDelivery: OnDelivery, now: () => number) {
  return class LeanSocket {
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    private readonly ws: WebSocket;

    constructor(url: string) {
      this.ws = new WebSocket(url, { perMessageDeflate: false });
      this.ws.on("open", () => this.onopen?.({}));
      this.ws.on("close", (code, reason) => this.onclose?.({ code, reason: reason.toString() }));
      this.ws.on("error", (error) => this.onerror?.(error));
      this.ws.on("message", (data) => {
        const at = now();
        const frame = data.toString();
        if (frame.startsWith(CREATED) && this.take(frame, at)) return;
        this.onmessage?.({ data: frame });
      });
    }

    get readyState(): number {
      return this.ws.readyState;
    }

    send(data: string): void {
      this.ws.send(data);
    }

    close(code?: number, reason?: string): void {
      this.ws.close(code, reason);
    }

    /** A delivery of someone else's text message: handled here (true), or left to the SDK. */
    private take(frame: string, at: number): boolean {
      const sender = field(frame, '"senderId":"');
      if (sender === null || sender === userId() || field(frame, '"kind":"') !== "text") return false;
      const start = frame.indexOf('"text":"');
      if (start < 0) return false;
      const from = start + 8;
      const second = frame.indexOf("|", frame.indexOf("|", from) + 1);
      if (second < 0) return false;
      onDelivery(frame.slice(from, second + 1), at);
      return true;
    }
  };
}

/** The string value after `key` (which ends with its opening quote), up to the closing quote. */
function field(frame: string, key: string): string | null {
  const start = frame.indexOf(key);
  if (start < 0) return null;
  const from = start + key.length;
  return frame.slice(from, frame.indexOf('"', from));
}
