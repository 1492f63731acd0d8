/**
 * Worker side of {@link MetricPool} (metrics/pool.ts): computes the partial sum of one metric
 * over the slice of rows or pixels it is sent, and replies with the job id.
 * @module
 */
/// <reference lib="deno.worker" />
import { deltaE2000Sum } from "./ciede2000.ts";
import { type SsimProfile, ssimRowSums, ssimWindow } from "./ssim.ts";

/** A slice of work sent to a worker. Buffers are transferred, not shared. */
export type PoolJob =
  | {
    readonly id: number;
    readonly op: "ssim";
    readonly pred: Float32Array;
    readonly gt: Float32Array;
    readonly width: number;
    /** Input rows in the slice; output rows are `height − window + 1`. */
    readonly height: number;
    readonly profile: SsimProfile;
  }
  | {
    readonly id: number;
    readonly op: "de2000";
    readonly pred: Float32Array;
    readonly gt: Float32Array;
  };

/** The worker's answer: the partial sum, or the error text. */
export interface PoolReply {
  readonly id: number;
  readonly sum?: number;
  readonly error?: string;
}

self.onmessage = (ev: MessageEvent<PoolJob>) => {
  const job = ev.data;
  try {
    let sum: number;
    if (job.op === "ssim") {
      const win = ssimWindow(job.profile);
      const rows = job.height - win.weights.length + 1;
      sum = ssimRowSums(job.pred, job.gt, job.width, job.height, win, 0, rows);
    } else {
      sum = deltaE2000Sum(job.pred, job.gt);
    }
    self.postMessage({ id: job.id, sum } satisfies PoolReply);
  } catch (e) {
    self.postMessage({ id: job.id, error: String(e) } satisfies PoolReply);
  }
};
