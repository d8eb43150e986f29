import { useEffect } from "react";
import { useHallway } from "../session/hallway-context.ts";

/** No keyboard, pointer or touch input for this long counts as away. */
const IDLE_AFTER_MS = 5 * 60_000;
const ACTIVITY_EVENTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "focus"] as const;

/**
 * Reports `away` while the tab is hidden, the person has been idle for a while, or they chose
 * to appear away; `active` otherwise. Reported again after each reconnect (a new connection
 * starts active).
 */
export function useActivityReporter(manualAway: boolean): void {
  const { client } = useHallway();
  useEffect(() => {
    let reported: "active" | "away" = "active";
    let idle = false;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;

    const report = (force = false) => {
      const next = manualAway || idle || document.visibilityState === "hidden" ? "away" : "active";
      if (next === reported && !force) return;
      reported = next;
      if (client.state === "open") client.request("presence.set", { state: next }).catch(() => {});
    };
    const restartIdleTimer = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idle = true;
        report();
      }, IDLE_AFTER_MS);
    };
    let lastActivity = 0;
    const onActivity = () => {
      const now = Date.now();
      if (!idle && now - lastActivity < 1_000) return; // pointermove fires often
      lastActivity = now;
      idle = false;
      restartIdleTimer();
      report();
    };
    const onVisibility = () => report();
    const offResumed = client.on("resumed", () => {
      if (reported === "away") report(true);
    });

    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, onActivity, { passive: true });
    document.addEventListener("visibilitychange", onVisibility);
    restartIdleTimer();
    report(true);
    return () => {
      clearTimeout(idleTimer);
      offResumed();
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onActivity);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [client, manualAway]);
}
