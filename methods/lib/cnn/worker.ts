/**
 * Worker entry of the data-parallel trainer: hosts one {@link ShardWork} and answers
 * `init` / `forward` / `backward` messages (see `runners.ts`).
 * @module
 */
/// <reference lib="deno.worker" />
import {
  createKernels,
  histLossesFor,
  type KernelRoute,
  type ShardBatch,
  ShardWork,
} from "./shard.ts";
import type { MomentResult } from "./losses.ts";

type Msg =
  | { op: "init"; route: KernelRoute; hidden: number }
  | { op: "forward"; batch: ShardBatch }
  | { op: "backward"; moment: MomentResult | null };

let work: ShardWork | null = null;

self.onmessage = async (e: MessageEvent<Msg>) => {
  try {
    const m = e.data;
    if (m.op === "init") {
      const kernels = await createKernels(m.route, m.hidden);
      work = new ShardWork(kernels, m.hidden, histLossesFor(m.route));
      self.postMessage({ ok: true });
    } else if (!work) {
      throw new Error("worker used before init");
    } else if (m.op === "forward") {
      const r = work.forward(m.batch);
      self.postMessage({ ok: true, result: r }, [
        r.sums.buffer as ArrayBuffer,
        r.out.buffer as ArrayBuffer,
      ]);
    } else {
      const g = work.backward(m.moment);
      self.postMessage({ ok: true, result: g }, [g.buffer as ArrayBuffer]);
    }
  } catch (err) {
    self.postMessage({ ok: false, error: String((err as Error)?.stack ?? err) });
  }
};
