import { describe, expect, it } from "vitest";
import { derivePresenceStatus, liveCustomStatus } from "./presence.ts";

const now = 1_000_000;
const idleAfterMs = 60_000;

describe("derivePresenceStatus", () => {
  it("is offline with no devices once the grace period is over", () => {
    expect(
      derivePresenceStatus({ devices: [], lingering: false, previous: "online", now, idleAfterMs }),
    ).toBe("offline");
  });
  it("keeps the previous status during the grace period, so a quick reconnect does not flap", () => {
    expect(derivePresenceStatus({ devices: [], lingering: true, previous: "online", now, idleAfterMs })).toBe(
      "online",
    );
    expect(derivePresenceStatus({ devices: [], lingering: true, previous: "away", now, idleAfterMs })).toBe(
      "away",
    );
  });
  it("is online when any device is active and recently used", () => {
    const devices = [
      { activity: "away" as const, lastActivityAt: now },
      { activity: "active" as const, lastActivityAt: now - 1_000 },
    ];
    expect(derivePresenceStatus({ devices, lingering: false, previous: "offline", now, idleAfterMs })).toBe(
      "online",
    );
  });
  it("is away when every device reports the person away", () => {
    const devices = [{ activity: "away" as const, lastActivityAt: now }];
    expect(derivePresenceStatus({ devices, lingering: false, previous: "online", now, idleAfterMs })).toBe(
      "away",
    );
  });
  it("is idle when devices are open but unused for the idle time", () => {
    const devices = [{ activity: "active" as const, lastActivityAt: now - idleAfterMs }];
    expect(derivePresenceStatus({ devices, lingering: false, previous: "online", now, idleAfterMs })).toBe(
      "idle",
    );
  });
});

describe("liveCustomStatus", () => {
  it("drops an expired status and an empty one", () => {
    expect(liveCustomStatus({ text: "In class", emoji: null, expiresAt: new Date(now - 1) }, now)).toBeNull();
    expect(liveCustomStatus({ text: null, emoji: null, expiresAt: null }, now)).toBeNull();
    expect(liveCustomStatus({ text: "In class", emoji: "📚", expiresAt: new Date(now + 1) }, now)?.text).toBe(
      "In class",
    );
  });
});
