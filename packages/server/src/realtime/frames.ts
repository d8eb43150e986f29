import type { EventName } from "@hallway/protocol";
import type { HallwayError } from "../errors.ts";

/** Encodes an event once; the same bytes go to every socket that should get it. */
export function encodeEvent(event: EventName, data: unknown): Buffer {
  return Buffer.from(JSON.stringify({ ev: event, data }));
}

export function encodeReply(id: string | number, data: unknown): Buffer {
  return Buffer.from(JSON.stringify({ re: id, ok: true, data }));
}

export function encodeError(id: string | number | null, error: HallwayError): Buffer {
  return Buffer.from(JSON.stringify({ re: id, ok: false, ...error.toBody() }));
}
