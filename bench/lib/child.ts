/**
 * Child-process plumbing for benchmarks: fork a TypeScript entry under tsx, talk to it with
 * a tiny request/response RPC over the IPC channel, and make sure it goes away.
 *
 * Load generators and the system under test each get their own process so that, on a small
 * machine, each can have a core of its own and be measured separately through /proc.
 */

import { type ChildProcess, fork } from "node:child_process";

/** Options for {@link forkTs}. */
export interface ForkTsOptions {
  /** Extra environment variables (merged over process.env). */
  env?: Record<string, string>;
  /** Extra node flags, e.g. ["--max-old-space-size=512"]. */
  nodeArgs?: string[];
}

/**
 * Forks `modulePath` (a .ts file) with its own node process, loading tsx so TypeScript runs
 * as-is. IPC uses "advanced" serialization so typed arrays (latency samples) cross without
 * a JSON round trip. stdout/stderr are inherited so child errors are visible.
 */
export function forkTs(modulePath: string, args: string[] = [], options: ForkTsOptions = {}): ChildProcess {
  // Resolve tsx from here rather than relying on the cwd, so the bench works from any directory.
  const tsx = import.meta.resolve("tsx");
  return fork(modulePath, args, {
    execArgv: ["--import", tsx, ...(options.nodeArgs ?? [])],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, ...options.env },
  });
}

/**
 * Resolves with the first IPC message for which `accept` returns true; rejects if the child
 * exits first or after `timeoutMs`.
 */
export function waitForMessage<T>(
  child: ChildProcess,
  accept: (m: unknown) => m is T,
  timeoutMs: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const onMessage = (m: unknown) => {
      if (accept(m)) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(
        new Error(`child ${child.pid} exited (code ${code}, signal ${signal}) before the expected message`),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`child ${child.pid}: no expected message within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/**
 * Stops a child: closes IPC (children here exit on 'disconnect'), then SIGTERM, then SIGKILL,
 * each after `graceMs`. Only ever signals this one pid.
 */
export async function stopChild(child: ChildProcess, graceMs = 1000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const within = (ms: number) => Promise.race([exited.then(() => true), delay(ms).then(() => false)]);
  if (child.connected) child.disconnect();
  if (await within(graceMs)) return;
  child.kill("SIGTERM");
  if (await within(graceMs)) return;
  child.kill("SIGKILL");
  await within(graceMs);
}

/**
 * Child side: makes the process exit when the parent goes away (IPC disconnect) or after
 * `maxLifetimeMs`, whichever comes first, so no bench child can outlive its run.
 */
export function exitWithParent(maxLifetimeMs: number): void {
  process.on("disconnect", () => process.exit(0));
  setTimeout(() => {
    console.error(`[bench child ${process.pid}] max lifetime ${maxLifetimeMs} ms reached, exiting`);
    process.exit(2);
  }, maxLifetimeMs).unref();
}

interface RpcRequest {
  rpc: "req";
  id: number;
  method: string;
  arg: unknown;
}
interface RpcResponse {
  rpc: "res";
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Child side: answers RPC calls from the parent with the given async handlers. */
export function serveRpc(handlers: Record<string, (arg: never) => unknown>): void {
  process.on("message", async (m: unknown) => {
    if (!isRpcRequest(m)) return;
    const handler = handlers[m.method];
    let res: RpcResponse;
    try {
      if (!handler) throw new Error(`unknown rpc method ${m.method}`);
      res = { rpc: "res", id: m.id, ok: true, value: await handler(m.arg as never) };
    } catch (err) {
      res = {
        rpc: "res",
        id: m.id,
        ok: false,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      };
    }
    process.send?.(res);
  });
}

/** Parent side: calls methods served by {@link serveRpc} in a child. */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(readonly child: ChildProcess) {
    child.on("message", (m: unknown) => {
      if (!isRpcResponse(m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`child ${child.pid}: ${m.error}`));
    });
    child.once("exit", (code, signal) => {
      // Fail every outstanding call instead of hanging the bench forever.
      for (const p of this.pending.values())
        p.reject(new Error(`child ${child.pid} exited (code ${code}, signal ${signal})`));
      this.pending.clear();
    });
  }

  /** Calls `method(arg)` in the child; rejects after `timeoutMs`. */
  call<T>(method: string, arg?: unknown, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`rpc ${method} to child ${this.child.pid} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const req: RpcRequest = { rpc: "req", id, method, arg };
      this.child.send(req);
    });
  }
}

/** Promise that resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isRpcRequest(m: unknown): m is RpcRequest {
  return typeof m === "object" && m !== null && (m as { rpc?: unknown }).rpc === "req";
}
function isRpcResponse(m: unknown): m is RpcResponse {
  return typeof m === "object" && m !== null && (m as { rpc?: unknown }).rpc === "res";
}
