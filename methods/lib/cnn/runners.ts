/**
 * Shard runners: the same {@link ShardWork} in-process or in a Web Worker, behind one async
 * interface, so the trainer's data-parallel loop is the same for 1 or many cores.
 * @module
 */
import {
  createKernels,
  type ForwardReport,
  histLossesFor,
  type KernelRoute,
  type ShardBatch,
  ShardWork,
} from "./shard.ts";
import type { MomentResult } from "./losses.ts";

/** An async handle on one shard. */
export interface ShardRunner {
  forward(b: ShardBatch): Promise<ForwardReport>;
  backward(m: MomentResult | null): Promise<Float32Array>;
  close(): void;
}

/** A shard running on the calling thread. */
export async function localRunner(route: KernelRoute, hidden: number): Promise<ShardRunner> {
  const work = new ShardWork(await createKernels(route, hidden), hidden, histLossesFor(route));
  return {
    forward: (b) => Promise.resolve(work.forward(b)),
    backward: (m) => Promise.resolve(work.backward(m)),
    close() {},
  };
}

/** A shard running in its own worker (one message in flight at a time). */
export async function workerRunner(route: KernelRoute, hidden: number): Promise<ShardRunner> {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  const call = <T>(msg: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      worker.onmessage = (e) =>
        e.data.ok ? resolve(e.data.result) : reject(new Error(e.data.error));
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`cnn worker: ${e.message}`));
      };
      worker.postMessage(msg);
    });
  await call({ op: "init", route, hidden });
  return {
    forward: (batch) => call<ForwardReport>({ op: "forward", batch }),
    backward: (moment) => call<Float32Array>({ op: "backward", moment }),
    close: () => worker.terminate(),
  };
}
