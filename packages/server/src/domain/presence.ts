import type { PresenceStatus } from "@hallway/protocol";

export interface DeviceActivity {
  activity: "active" | "away";
  lastActivityAt: number;
}

export interface PresenceInputs {
  devices: DeviceActivity[];
  /** The last device left less than the grace period ago: a reconnect may follow, so no flap. */
  lingering: boolean;
  /** What the user was before the last device left (kept during the grace period). */
  previous: PresenceStatus;
  now: number;
  idleAfterMs: number;
}

/**
 * A user's automatic status from their devices: online if any device is active and was used
 * recently, away if every device reports the person away, idle if devices are open but unused
 * for a while, offline when none is connected (after the grace period).
 */
export function derivePresenceStatus(input: PresenceInputs): PresenceStatus {
  if (input.devices.length === 0)
    return input.lingering && input.previous !== "offline" ? input.previous : "offline";
  const active = input.devices.filter((d) => d.activity === "active");
  if (active.length === 0) return "away";
  const recent = active.some((d) => input.now - d.lastActivityAt < input.idleAfterMs);
  return recent ? "online" : "idle";
}

export interface CustomStatusValue {
  text: string | null;
  emoji: string | null;
  expiresAt: Date | null;
}

/** A custom status past its expiry is no status at all. */
export function liveCustomStatus(custom: CustomStatusValue | null, now: number): CustomStatusValue | null {
  if (!custom || (custom.text === null && custom.emoji === null)) return null;
  if (custom.expiresAt && custom.expiresAt.getTime() <= now) return null;
  return custom;
}
