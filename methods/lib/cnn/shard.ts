/**
 * One shard of a training batch: the network pass plus the per-image losses, run in a worker or
 * in-process. The batch-pooled moment loss is the only cross-image term; the shard reports its
 * per-image channel sums and receives the pooled result before the backward pass.
 * @module
 */
import { CnnShard } from "./net.ts";
import type { ConvKernels } from "./kernels.ts";
import { createJsKernels } from "./kernels.ts";
import { createWasmKernels, wasmSupportsHidden } from "./kernels_wasm.ts";
import { createWasmHistLosses } from "./hist_wasm.ts";
import {
  addMomentGrad,
  channelSums,
  type HistLosses,
  JS_HIST_LOSSES,
  type LossWeights,
  type MomentResult,
  pairLoss,
  type PairTerms,
} from "./losses.ts";
import type { CnnWeights } from "./weights.ts";

/** Which CPU kernels run the convolutions. */
export type KernelRoute = "wasm" | "js";

/** The histogram losses of a route: WASM for "wasm" where available, else typed-array loops. */
export function histLossesFor(route: KernelRoute): HistLosses {
  return (route === "wasm" ? createWasmHistLosses() : null) ?? JS_HIST_LOSSES;
}

/** Creates the kernels of a route (wasm falls back to js for hidden widths it cannot block). */
export async function createKernels(route: KernelRoute, hidden: number): Promise<ConvKernels> {
  return route === "wasm" && wasmSupportsHidden(hidden)
    ? await createWasmKernels()
    : createJsKernels();
}

/** What a shard's forward pass reports: per-image channel sums (12 each: output 6, target 6). */
export interface ForwardReport {
  readonly sums: Float64Array;
  readonly pair: PairTerms[];
  /** A copy of the shard's output (n×h×w×3). */
  readonly out: Float32Array;
}

/** Input of a shard's forward pass. */
export interface ShardBatch {
  readonly weights: CnnWeights;
  readonly source: Float32Array;
  readonly target: Float32Array;
  readonly n: number;
  readonly h: number;
  readonly w: number;
  /** Images in the whole batch (per-image terms are averaged over it). */
  readonly total: number;
  readonly losses: LossWeights;
}

/** Network + losses over a shard, keeping the state between forward and backward. */
export class ShardWork {
  #net: CnnShard;
  #out: Float32Array = new Float32Array(0);
  #g: Float32Array = new Float32Array(0);
  #losses: LossWeights | null = null;

  #hist: HistLosses;

  /** @param hist histogram loss implementation (default: typed-array loops) */
  constructor(kernels: ConvKernels, hidden: number, hist: HistLosses = JS_HIST_LOSSES) {
    this.#net = new CnnShard(kernels, hidden);
    this.#hist = hist;
  }

  /** Forward pass and pair-wise losses (their gradient is kept for the backward). */
  forward(b: ShardBatch): ForwardReport {
    const len = b.h * b.w * 3;
    this.#net.setWeights(b.weights);
    const out = this.#net.forward(b.source, b.n, b.h, b.w);
    const g = new Float32Array(out.length);
    const sums = new Float64Array(12 * b.n);
    const pair: PairTerms[] = [];
    for (let i = 0; i < b.n; i++) {
      const o = out.subarray(i * len, (i + 1) * len), t = b.target.subarray(i * len, (i + 1) * len);
      sums.set(channelSums(o), 12 * i);
      sums.set(channelSums(t), 12 * i + 6);
      const gi = g.subarray(i * len, (i + 1) * len);
      pair.push(pairLoss(o, t, b.h, b.w, b.losses, gi, 1 / b.total, this.#hist));
    }
    this.#out = out;
    this.#g = g;
    this.#losses = b.losses;
    return { sums, pair, out: out.slice() };
  }

  /** The last forward's output (N×h×w×3). */
  get output(): Float32Array {
    return this.#out;
  }

  /** Adds the pooled moment gradient, back-propagates; per-image parameter gradients. */
  backward(moment: MomentResult | null): Float32Array {
    if (moment && this.#losses?.moment) {
      addMomentGrad(this.#out, moment, this.#g, this.#losses.moment);
    }
    return this.#net.backward(this.#g);
  }
}
