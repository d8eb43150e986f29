/**
 * CPU and memory sampling of a process, for "server CPU %" and "RSS per connection" figures.
 *
 * Another process is read through Linux procfs (/proc/<pid>/stat and /proc/<pid>/status)
 * because Node has no API for it; the current process uses process.cpuUsage()/memoryUsage()
 * which are cheaper and finer-grained (µs instead of clock ticks).
 */

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";

/** One reading of a process's cumulative CPU time and current memory. */
export interface ProcessSample {
  /** `performance.now()` at the reading. */
  at: number;
  /** Cumulative user CPU seconds since the process started. */
  userSec: number;
  /** Cumulative system CPU seconds since the process started. */
  systemSec: number;
  /** Resident set size now, bytes. */
  rssBytes: number;
  /** Peak resident set size so far (VmHWM), bytes; equals rssBytes for the current process when unknown. */
  peakRssBytes: number;
}

/** CPU use between two samples. */
export interface CpuInterval {
  /** (user+system CPU seconds) / wall seconds × 100: 100 means one core fully busy. */
  cpuPercent: number;
  userSec: number;
  systemSec: number;
  wallSec: number;
}

let clockTicks: number | undefined;

/**
 * Kernel clock ticks per second (USER_HZ), the unit of utime/stime in /proc/<pid>/stat.
 * Asked once from `getconf`; 100 is the value on practically every Linux build, used as fallback.
 */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      const v = Number.parseInt(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim(), 10);
      clockTicks = Number.isFinite(v) && v > 0 ? v : 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * Reads CPU time and memory of process `pid` from procfs. Throws if the process is gone.
 * Synchronous on purpose: procfs reads don't block on disk and take microseconds, and a
 * sampler firing every few hundred ms costs nothing measurable.
 */
export function sampleProcess(pid: number): ProcessSample {
  const at = performance.now();
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Field 2 (comm) is parenthesised and may contain spaces or ')', so split after the LAST ')'.
  // What follows starts at field 3 (state); utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const hz = clockTicksPerSecond();
  const userSec = Number(rest[14 - 3]) / hz;
  const systemSec = Number(rest[15 - 3]) / hz;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssBytes = kbField(status, "VmRSS");
  const peakRssBytes = kbField(status, "VmHWM");
  return { at, userSec, systemSec, rssBytes, peakRssBytes: peakRssBytes || rssBytes };
}

/** Same reading for the current process, via Node's own counters. */
export function sampleSelf(): ProcessSample {
  const at = performance.now();
  const cpu = process.cpuUsage();
  const rssBytes = process.memoryUsage.rss();
  let peakRssBytes = rssBytes;
  try {
    // resourceUsage().maxRSS is in KiB (getrusage's ru_maxrss on Linux).
    peakRssBytes = process.resourceUsage().maxRSS * 1024;
  } catch {
    // Not fatal: fall back to current RSS.
  }
  return { at, userSec: cpu.user / 1e6, systemSec: cpu.system / 1e6, rssBytes, peakRssBytes };
}

/** Samples `pid`, or the current process when pid is undefined or equals process.pid. */
export function sample(pid?: number): ProcessSample {
  return pid === undefined || pid === process.pid ? sampleSelf() : sampleProcess(pid);
}

/** CPU use between an earlier and a later sample of the same process. */
export function cpuBetween(before: ProcessSample, after: ProcessSample): CpuInterval {
  const wallSec = (after.at - before.at) / 1000;
  const userSec = after.userSec - before.userSec;
  const systemSec = after.systemSec - before.systemSec;
  const cpuPercent = wallSec > 0 ? ((userSec + systemSec) / wallSec) * 100 : Number.NaN;
  return { cpuPercent, userSec, systemSec, wallSec };
}

/** Result of a {@link ProcessMonitor} run. */
export interface MonitorResult extends CpuInterval {
  /** Highest CPU % seen over one sampling interval (noisy with procfs's 10 ms ticks; indicative). */
  peakIntervalCpuPercent: number;
  /** Highest RSS sampled, bytes. */
  maxRssBytes: number;
  /** RSS at the last sample, bytes. */
  lastRssBytes: number;
  samples: number;
}

/**
 * Samples one process periodically between start() and stop(): average CPU % over the
 * whole window, the busiest interval, and the RSS maximum (RSS can fall back after a
 * GC, so a single end sample would understate it).
 */
export class ProcessMonitor {
  private first: ProcessSample | undefined;
  private last: ProcessSample | undefined;
  private timer: NodeJS.Timeout | undefined;
  private peakCpu = 0;
  private maxRss = 0;
  private count = 0;

  /**
   * @param pid process to watch; undefined = the current process.
   * @param intervalMs sampling period; ≥ 200 ms keeps procfs tick quantisation (10 ms) under ~5%.
   */
  constructor(
    private readonly pid: number | undefined,
    private readonly intervalMs = 500,
  ) {}

  /** Takes the first sample and starts the periodic ones. */
  start(): this {
    this.first = this.take();
    // unref: a forgotten monitor must not keep the bench process alive.
    this.timer = setInterval(() => this.take(), this.intervalMs).unref();
    return this;
  }

  /** Takes a final sample, stops sampling and returns the figures for the window. */
  stop(): MonitorResult {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const end = this.take();
    const start = this.first ?? end;
    return {
      ...cpuBetween(start, end),
      peakIntervalCpuPercent: this.peakCpu,
      maxRssBytes: this.maxRss,
      lastRssBytes: end.rssBytes,
      samples: this.count,
    };
  }

  private take(): ProcessSample {
    let s: ProcessSample;
    try {
      s = sample(this.pid);
    } catch {
      // Process gone: keep the last good reading so stop() still reports the window.
      s = this.last ?? { at: performance.now(), userSec: 0, systemSec: 0, rssBytes: 0, peakRssBytes: 0 };
      s = { ...s, at: performance.now() };
    }
    if (this.last) {
      const c = cpuBetween(this.last, s).cpuPercent;
      if (c > this.peakCpu) this.peakCpu = c;
    }
    if (s.rssBytes > this.maxRss) this.maxRss = s.rssBytes;
    this.last = s;
    this.count++;
    return s;
  }
}

/** Whole-machine CPU counters from the first line of /proc/stat, in seconds. */
export interface MachineSample {
  at: number;
  /** user+nice+system+irq+softirq+steal seconds, summed over all CPUs. */
  busySec: number;
  /** busy + idle + iowait seconds, summed over all CPUs. */
  totalSec: number;
  /** steal seconds (time the hypervisor ran something else), summed over all CPUs. */
  stealSec: number;
}

/**
 * Reads whole-machine CPU time. Needed because loopback networking work partly runs in
 * softirq context (charged to no process) and because other processes may share the machine.
 */
export function sampleMachine(): MachineSample {
  const at = performance.now();
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const at_ = (i: number) => v[i] ?? 0;
  const hz = clockTicksPerSecond();
  const busy = at_(0) + at_(1) + at_(2) + at_(5) + at_(6) + at_(7);
  return { at, busySec: busy / hz, totalSec: (busy + at_(3) + at_(4)) / hz, stealSec: at_(7) / hz };
}

/** Machine CPU use between two samples. */
export interface MachineInterval {
  /** Busy share of all CPUs, % (100 = every core busy). */
  busyPercentOfAll: number;
  /** Busy CPU as % of one core (200 = two cores busy). */
  busyPercentOfOneCore: number;
  /** Steal as % of one core. */
  stealPercentOfOneCore: number;
}

/** Machine CPU use between an earlier and a later {@link sampleMachine}. */
export function machineBetween(before: MachineSample, after: MachineSample): MachineInterval {
  const wallSec = (after.at - before.at) / 1000;
  const busy = after.busySec - before.busySec;
  const total = after.totalSec - before.totalSec;
  return {
    busyPercentOfAll: total > 0 ? (busy / total) * 100 : Number.NaN,
    busyPercentOfOneCore: wallSec > 0 ? (busy / wallSec) * 100 : Number.NaN,
    stealPercentOfOneCore: wallSec > 0 ? ((after.stealSec - before.stealSec) / wallSec) * 100 : Number.NaN,
  };
}

function kbField(status: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status);
  return m?.[1] ? Number(m[1]) * 1024 : 0;
}

/**
 * Cumulative CPU seconds (user + system) of a process and its direct children, read from procfs,
 * those that have exited included (the root's cutime and cstime, once it has reaped them).
 */
export function sampleTreeCpuSec(rootPid: number): number {
  const hz = clockTicksPerSecond();
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // rest[1] is field 4 (ppid); utime and stime are fields 14 and 15.
    if (Number(entry) !== rootPid && Number(rest[4 - 3]) !== rootPid) continue;
    ticks += Number(rest[14 - 3]) + Number(rest[15 - 3]);
    // Fields 16 and 17: the CPU of children it has waited for (a backend that closed).
    if (Number(entry) === rootPid) ticks += Number(rest[16 - 3]) + Number(rest[17 - 3]);
  }
  return ticks / hz;
}

/** CPU of the PostgreSQL server behind a URL: its postmaster and every backend and helper. */
export interface DatabaseCpuSampler {
  /** False when the server's processes cannot be seen (another machine, or no permission). */
  known: boolean;
  /** Cumulative CPU seconds of the server's processes (0 when unknown). */
  sample(): number;
}

/**
 * Finds the postmaster of the PostgreSQL at `url` (its data directory's postmaster.pid; needs a
 * superuser and the same machine) so its CPU can be read from procfs like any process's.
 * Backends that exit during a window count too: the postmaster reaps them, and their CPU time
 * moves to its children's total.
 */
export async function databaseCpuSampler(url: string): Promise<DatabaseCpuSampler> {
  const unknown = { known: false, sample: () => 0 };
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>("SHOW data_directory");
    const pid = Number.parseInt(readFileSync(`${rows[0]!.data_directory}/postmaster.pid`, "utf8"), 10);
    if (!(pid > 0)) return unknown;
    sampleTreeCpuSec(pid);
    return { known: true, sample: () => sampleTreeCpuSec(pid) };
  } catch {
    return unknown;
  } finally {
    await client.end().catch(() => {});
  }
}
