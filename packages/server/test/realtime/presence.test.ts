import type { HallwayClientError } from "@hallway/client";
import type { Presence } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anotherSession,
  createGroup,
  createUsers,
  openDirect,
  RawClient,
  type RealtimeServer,
  record,
  sdkClient,
  sleep,
  startRealtimeServer,
  type TestClient,
  type TestUser,
  uniqueName,
  until,
  wsUrl,
} from "./helpers.ts";

/**
 * Presence as people see it: online, away, idle, offline after a grace period (no flapping on a
 * reconnect), last seen, custom status and invisible mode, the device list, and who may see it.
 */

const GRACE_MS = 1_500;
let server: RealtimeServer;
/** A server where people turn idle after 1.5 s, for idle and expiring statuses. */
let idleServer: RealtimeServer;
const clients: TestClient[] = [];

beforeAll(async () => {
  [server, idleServer] = await Promise.all([
    startRealtimeServer({ PRESENCE_GRACE_MS: String(GRACE_MS) }),
    startRealtimeServer({ PRESENCE_GRACE_MS: String(GRACE_MS), PRESENCE_IDLE_AFTER_MS: "1500" }),
  ]);
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all([server?.close(), idleServer?.close()]);
});

function client(on: RealtimeServer, session: TestUser["session"], clientName?: string, platform?: string) {
  const c = sdkClient(on, session, clientName ? { clientName, platform } : {});
  clients.push(c);
  return c;
}

/** A person and a follower who shares a direct conversation with them (so may see them). */
async function pair(on: RealtimeServer, prefix: string) {
  const [subject, follower] = await createUsers(on, [
    uniqueName(`${prefix}-subject`),
    uniqueName(`${prefix}-follower`),
  ]);
  await openDirect(follower!, subject!);
  const watcher = client(on, follower!.session);
  await watcher.connect();
  const seen = record(watcher, "presence.changed");
  const [initial] = await watcher.followPresence([subject!.id]);
  return { subject: subject!, follower: follower!, watcher, seen, initial: initial! };
}

const of = (events: Presence[], userId: string) => events.filter((p) => p.userId === userId);
const statuses = (events: Presence[], userId: string) => of(events, userId).map((p) => p.status);

describe("presence", () => {
  it("online when connected, with each device's client and platform; away when every device is away", async () => {
    const { subject, seen, initial } = await pair(server, "online");
    expect(initial).toEqual({
      userId: subject.id,
      status: "offline",
      lastSeenAt: null,
      custom: null,
      devices: [],
    });

    const web = client(server, subject.session, "Hallway Web", "web");
    await web.connect();
    await expect
      .poll(() => of(seen, subject.id).at(-1))
      .toMatchObject({
        status: "online",
        lastSeenAt: null,
        devices: [{ client: "Hallway Web", platform: "web", connectedAt: expect.any(String) }],
      });
    const phone = client(server, await anotherSession(server, subject), "Hallway iOS", "ios");
    await phone.connect();
    await expect
      .poll(() =>
        of(seen, subject.id)
          .at(-1)
          ?.devices.map((d) => `${d.client}/${d.platform}`)
          .sort(),
      )
      .toEqual(["Hallway Web/web", "Hallway iOS/ios"].sort());

    // One device away is not enough: the person is still at the other.
    const { self } = await web.request("presence.set", { state: "away" });
    expect(self.status).toBe("online");
    const { self: allAway } = await phone.request("presence.set", { state: "away" });
    expect(allAway.status).toBe("away");
    await expect.poll(() => of(seen, subject.id).at(-1)?.status).toBe("away");
    await phone.request("presence.set", { state: "active" });
    await expect.poll(() => of(seen, subject.id).at(-1)?.status).toBe("online");
    expect(statuses(seen, subject.id)).not.toContain("offline");
    web.disconnect();
    phone.disconnect();
  });

  it("offline only after the grace period, with last seen stored and shown", async () => {
    const { subject, seen, follower } = await pair(server, "offline");
    const device = client(server, subject.session);
    await device.connect();
    await expect.poll(() => of(seen, subject.id).at(-1)?.status).toBe("online");

    const leftAt = Date.now();
    device.disconnect();
    const offline = await until(
      () => of(seen, subject.id).find((p) => p.status === "offline"),
      "offline",
      10_000,
    );
    const offlineAfter = Date.now() - leftAt;
    expect(offlineAfter).toBeGreaterThanOrEqual(GRACE_MS * 0.9);
    // During the grace period they still showed as online (just without devices).
    expect(
      statuses(seen, subject.id)
        .slice(0, -1)
        .every((s) => s === "online"),
    ).toBe(true);

    expect(offline.lastSeenAt).not.toBeNull();
    const lastSeen = new Date(offline.lastSeenAt!).getTime();
    expect(lastSeen).toBeGreaterThanOrEqual(leftAt);
    await expect
      .poll(async () => {
        const { rows } = await server.pool.query("SELECT last_seen_at FROM users WHERE id = $1", [
          subject.id,
        ]);
        return rows[0].last_seen_at?.toISOString() ?? null;
      })
      .toBe(offline.lastSeenAt);

    // Someone who looks later sees the same last seen, read back from the database.
    const later = client(server, await anotherSession(server, follower));
    await later.connect();
    const [shown] = await later.followPresence([subject.id]);
    expect(shown).toMatchObject({ status: "offline", lastSeenAt: offline.lastSeenAt, devices: [] });
  });

  it("a reconnect within the grace period does not flap to offline", async () => {
    const { subject, seen } = await pair(server, "flap");
    const device = client(server, subject.session);
    await device.connect();
    await expect.poll(() => of(seen, subject.id).at(-1)?.status).toBe("online");
    const from = seen.length;

    const states = record(device, "state");
    device.sockets.at(-1)!.socket.terminate(); // the network drops; the SDK reconnects at once
    await until(() => states.includes("open") && device.state === "open", "the reconnect");
    await expect.poll(() => of(seen.slice(from), subject.id).at(-1)?.devices).toHaveLength(1);
    await sleep(GRACE_MS + 500); // past the grace period of the first connection
    expect(statuses(seen.slice(from), subject.id)).not.toContain("offline");
    expect(of(seen, subject.id).at(-1)?.status).toBe("online");
  });

  it("a socket that closes while it is being set up leaves no ghost online (some used to stay online for good)", async () => {
    const names = Array.from({ length: 40 }, (_, i) => uniqueName(`ghost${i}`));
    const [watcher, ...subjects] = await createUsers(server, [uniqueName("ghost-watcher"), ...names]);
    await createGroup(watcher!, subjects, "Ghosts");
    // Each closes its socket right after the upgrade, at slightly different moments, so some
    // close while the server is still setting the connection up.
    await Promise.all(
      subjects.map(async (subject, i) => {
        const raw = await RawClient.open(wsUrl(server, { v: "1", token: subject.session.accessToken }));
        await sleep(i % 5);
        raw.close();
      }),
    );
    const follower = await RawClient.connect(server, watcher!.session.accessToken);
    const stillOnline = async () => {
      const { presences } = await follower.call("presence.subscribe", { userIds: subjects.map((s) => s.id) });
      return presences.filter((p: Presence) => p.status !== "offline").map((p: Presence) => p.userId);
    };
    await expect.poll(stillOnline, { timeout: GRACE_MS + 5_000, interval: 250 }).toEqual([]);
    expect([...server.hallway.hub.connectionsByUser.keys()]).not.toContain(subjects[0]!.id);
    follower.close();
  });

  it("idle after PRESENCE_IDLE_AFTER_MS without activity, online again on the next command", async () => {
    const { subject, seen } = await pair(idleServer, "idle");
    const device = client(idleServer, subject.session);
    await device.connect();
    await expect.poll(() => statuses(seen, subject.id)).toContain("online");
    await expect.poll(() => of(seen, subject.id).at(-1)?.status, { timeout: 10_000 }).toBe("idle");
    await device.request("ping", undefined);
    await expect.poll(() => of(seen, subject.id).at(-1)?.status).toBe("online");
  });

  it("a custom status with text, emoji and expiry reaches followers and disappears when it expires", async () => {
    const { subject, seen } = await pair(idleServer, "status");
    const device = client(idleServer, subject.session);
    await device.connect();
    const expiresAt = new Date(Date.now() + 2_000).toISOString();
    const { self } = await device.request("status.set", { text: "In class", emoji: "📚", expiresAt });
    expect(self.custom).toEqual({ text: "In class", emoji: "📚", expiresAt });
    await expect
      .poll(() => of(seen, subject.id).at(-1)?.custom)
      .toEqual({ text: "In class", emoji: "📚", expiresAt });
    await expect.poll(() => of(seen, subject.id).at(-1)?.custom, { timeout: 10_000 }).toBeNull();

    // Without an expiry it stays, across reconnects (it is stored with the user).
    await device.request("status.set", { text: "Marking essays", emoji: null, expiresAt: null });
    device.disconnect();
    const again = client(idleServer, subject.session);
    await again.connect();
    expect(again.presence.get(subject.id)?.custom).toEqual({
      text: "Marking essays",
      emoji: null,
      expiresAt: null,
    });
    await again.request("status.set", { text: null });
    await expect.poll(() => of(seen, subject.id).at(-1)?.custom).toBeNull();
  });

  it("a status with an unreadable expiry or control characters is refused and leaves presence working (it used to crash the presence timer)", async () => {
    const { subject, seen } = await pair(server, "bad-status");
    const device = client(server, subject.session);
    await device.connect();
    await expect.poll(() => of(seen, subject.id).at(-1)?.status).toBe("online");
    for (const bad of [
      { text: "Out", expiresAt: "not a date" },
      { text: "Out", expiresAt: "2030-13-45" },
      { text: "nul\u0000byte" },
      { emoji: "\u0007" },
    ]) {
      const refused = await device.request("status.set", bad).catch((error: HallwayClientError) => error);
      expect((refused as HallwayClientError).code, JSON.stringify(bad)).toBe("VALIDATION_FAILED");
    }
    const { self } = await device.request("status.set", {
      text: "Back at 3",
      expiresAt: "2030-01-01T15:00:00+02:00",
    });
    expect(self.custom).toEqual({ text: "Back at 3", emoji: null, expiresAt: "2030-01-01T13:00:00.000Z" });
    await expect.poll(() => of(seen, subject.id).at(-1)?.custom?.text).toBe("Back at 3");
    await device.request("presence.set", { state: "away" });
    await expect.poll(() => of(seen, subject.id).at(-1)?.status).toBe("away");
  });

  it("invisible: others see offline, the person sees themself invisible (self.changed, session.resume)", async () => {
    const { subject, seen } = await pair(server, "invisible");
    const device = client(server, subject.session);
    await device.connect();
    await expect.poll(() => of(seen, subject.id).at(-1)?.status).toBe("online");
    const selfSeen = record(device, "self.changed");

    const { self } = await device.request("status.set", { invisible: true });
    expect(self).toMatchObject({ userId: subject.id, status: "online", invisible: true });
    await expect.poll(() => of(seen, subject.id).at(-1)).toMatchObject({ status: "offline", devices: [] });
    await expect.poll(() => selfSeen.at(-1)).toMatchObject({ status: "online", invisible: true });

    const other = client(server, await anotherSession(server, subject));
    const resumed = record(other, "resumed");
    await other.connect();
    expect(resumed[0]!.self).toMatchObject({ userId: subject.id, status: "online", invisible: true });
    expect(of(seen, subject.id).at(-1)?.status).toBe("offline");

    await other.request("status.set", { invisible: false });
    await expect.poll(() => of(seen, subject.id).at(-1)).toMatchObject({ status: "online" });
    expect(of(seen, subject.id).at(-1)?.devices).toHaveLength(2);
  });

  it("is visible only to people who share a direct or group conversation, not the school-wide group", async () => {
    const [subject, stranger, friend] = await createUsers(
      server,
      ["vis-subject", "vis-stranger", "vis-friend"].map(uniqueName),
    );
    await openDirect(stranger!, friend!); // the stranger shares only the school-wide group with the subject
    const watcher = client(server, stranger!.session);
    await watcher.connect();
    const seen = record(watcher, "presence.changed");
    const presences = await watcher.followPresence([subject!.id, friend!.id]);
    expect(presences.map((p) => p.userId)).toEqual([friend!.id]);

    const device = client(server, subject!.session);
    await device.connect();
    await device.request("presence.set", { state: "away" });
    // The friend comes online after that; the stranger hears of the friend, never of the subject.
    const friendDevice = client(server, friend!.session);
    await friendDevice.connect();
    await expect.poll(() => statuses(seen, friend!.id)).toContain("online");
    expect(of(seen, subject!.id)).toEqual([]);
    expect(watcher.presence.has(subject!.id)).toBe(false);
  });

  it("someone with 500 contacts coming online sends one presence.changed to each of 100 followers", async () => {
    const names = Array.from({ length: 500 }, (_, i) => uniqueName(`contact${i}`));
    const [popular] = await createUsers(server, [uniqueName("popular")]);
    const contacts = await createUsers(server, names, { signIn: 100 });
    const { rows } = await server.pool.query("SELECT id FROM users WHERE external_id = ANY($1::text[])", [
      names,
    ]);
    expect(rows).toHaveLength(500);
    await createGroup(popular!, rows, "Year 9");

    const followers = await Promise.all(
      contacts.map(async (contact) => {
        const raw = await RawClient.connect(server, contact.session.accessToken);
        const { presences } = await raw.call("presence.subscribe", { userIds: [popular!.id] });
        expect(presences).toEqual([expect.objectContaining({ userId: popular!.id, status: "offline" })]);
        return raw;
      }),
    );
    const changesOf = (raw: RawClient) =>
      raw.events("presence.changed").filter((p) => p.userId === popular!.id);

    const device = client(server, popular!.session);
    await device.connect();
    await expect
      .poll(() => followers.filter((raw) => changesOf(raw).length >= 1).length, { timeout: 15_000 })
      .toBe(100);
    // A later change shows nothing else was sent in between.
    await device.request("presence.set", { state: "away" });
    await expect
      .poll(() => followers.filter((raw) => changesOf(raw).at(-1)?.status === "away").length, {
        timeout: 15_000,
      })
      .toBe(100);
    for (const raw of followers) expect(changesOf(raw).map((p) => p.status)).toEqual(["online", "away"]);
    for (const raw of followers) raw.close();
  }, 60_000);
});
