/**
 * Reusable worker threads. Starting a Deno worker blocks the starting thread for about 0.1 s
 * (measured: 108–127 ms on the CI machine), which the server's request thread cannot afford per
 * job or per crop; so a finished worker goes back to an idle list and serves the next request of
 * its module. A worker that timed out, was aborted or crashed is terminated, never reused.
 * @module
 */

const idle = new Map<string, Worker[]>();
const busy = new Map<string, number>();
const waiting = new Map<string, (() => void)[]>();
/** Idle workers kept per module. */
const KEEP = 2;

/** Options of {@link runInThread}. */
export interface ThreadRunOptions {
  /** Wall-clock limit, ms; past it the worker is terminated and `onTimeout()` is thrown. */
  timeoutMs: number;
  /** The error to throw on timeout. */
  onTimeout: () => Error;
  /** Aborts the run (the worker is terminated; the signal's reason is thrown). */
  signal?: AbortSignal;
  /**
   * Most threads of this module at once (default 1); further requests wait for one to finish
   * rather than start another thread (whose start would pause the caller).
   */
  maxThreads?: number;
}

/**
 * Posts `request` to a worker running `module` and resolves with its first reply.
 * @example
 * ```ts
 * const reply = await runInThread<Req, Reply>(url, req, { timeoutMs: 1000, onTimeout: () => new Error("slow") });
 * ```
 */
export async function runInThread<Req, Reply>(
  module: string,
  request: Req,
  opts: ThreadRunOptions,
): Promise<Reply> {
  while ((busy.get(module) ?? 0) >= (opts.maxThreads ?? 1)) {
    await new Promise<void>((r) => waiting.set(module, [...(waiting.get(module) ?? []), r]));
  }
  busy.set(module, (busy.get(module) ?? 0) + 1);
  try {
    return await runOne<Req, Reply>(module, request, opts);
  } finally {
    busy.set(module, busy.get(module)! - 1);
    const next = waiting.get(module)?.shift();
    next?.();
  }
}

function runOne<Req, Reply>(module: string, request: Req, opts: ThreadRunOptions): Promise<Reply> {
  const w = idle.get(module)?.pop() ?? new Worker(module, { type: "module" });
  return new Promise<Reply>((resolve, reject) => {
    const finish = (reuse: boolean) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", abort);
      w.onmessage = null;
      w.onerror = null;
      const list = idle.get(module) ?? [];
      if (reuse && list.length < KEEP) idle.set(module, [...list, w]);
      else w.terminate();
    };
    const abort = () => {
      finish(false);
      reject(opts.signal?.reason ?? new Error("aborted"));
    };
    const timer = setTimeout(() => {
      finish(false);
      reject(opts.onTimeout());
    }, opts.timeoutMs);
    if (opts.signal?.aborted) return abort();
    opts.signal?.addEventListener("abort", abort, { once: true });
    w.onmessage = (ev: MessageEvent<Reply>) => {
      finish(true);
      resolve(ev.data);
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      finish(false);
      reject(new Error(`worker thread failed: ${ev.message}`));
    };
    w.postMessage(request);
  });
}

/** Starts one idle worker of `module` now (e.g. at server start), so no request pays for it. */
export function warmThread(module: string): void {
  const list = idle.get(module) ?? [];
  if (list.length === 0) idle.set(module, [new Worker(module, { type: "module" })]);
}
