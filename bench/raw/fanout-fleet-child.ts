/**
 * Child-process entry: runs one {@link FanoutFleet} and exposes it over IPC RPC, so client
 * load can be moved off the coordinating process (used when --client-procs > 0).
 *
 * Usage (forked by ws-fanout.ts): fanout-fleet-child.ts <maxLifetimeMs>
 * The first RPC call must be `init(FleetConfig)`.
 */

import { exitWithParent, serveRpc } from "../lib/child.ts";
import { FanoutFleet, type FleetConfig, type PhaseSpec } from "./fanout-fleet.ts";

exitWithParent(Number(process.argv[2] ?? 120_000));

let fleet: FanoutFleet | undefined;
const need = (): FanoutFleet => {
  if (!fleet) throw new Error("fleet not initialised: call init first");
  return fleet;
};

serveRpc({
  init: (cfg: FleetConfig) => {
    fleet = new FanoutFleet(cfg);
    return { pid: process.pid };
  },
  connect: () => need().connect(),
  prepare: (id: number) => need().prepare(id),
  start: (spec: PhaseSpec) => need().start(spec),
  status: (id: number) => need().status(id),
  collect: (id: number) => need().collect(id),
  close: () => need().close(),
});
process.send?.({ type: "ready" });
