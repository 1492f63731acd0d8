/**
 * Training of the colour CNN: data-parallel forward/backward over worker shards, the §7 losses,
 * AdamW. Per-image gradients are summed in image order in float64, so a seed gives the same
 * weights whatever the number of workers.
 * @module
 */
import { InputError, OptionError } from "../../../harness/errors.ts";
import { AdamW } from "./adamw.ts";
import { cloneWeights, flattenWeights, initColorCnn, unflattenWeights } from "./init.ts";
import {
  addPairTerms,
  DEFAULT_LOSS_WEIGHTS,
  type LossTerms,
  type LossWeights,
  momentLoss,
  totalLoss,
} from "./losses.ts";
import { localRunner, type ShardRunner, workerRunner } from "./runners.ts";
import type { KernelRoute } from "./shard.ts";
import { cnnParamCount, type CnnWeights } from "./weights.ts";

/** A training batch: independent source and pseudo-target crops, NHWC float32 in [0, 1]. */
export interface CnnBatch {
  /** Source crops, N×h×w×3. */
  readonly source: Float32Array;
  /** Pseudo-target crops, N×h×w×3. */
  readonly target: Float32Array;
  /** Number of crops. */
  readonly n: number;
  /** Crop height. */
  readonly h: number;
  /** Crop width. */
  readonly w: number;
}

/** Options of {@link createCnnTrainer}. */
export interface CnnTrainerOptions {
  /** Starting weights (copied); default: {@link initColorCnn}(seed, hidden). */
  readonly init?: CnnWeights;
  /** Seed of the initial weights (default 42). */
  readonly seed?: number;
  /** Hidden channels when no init is given (default 128). */
  readonly hidden?: number;
  /** Learning rate (default 1e-4). */
  readonly lr?: number;
  /** AdamW decoupled weight decay (default 1e-4). */
  readonly weightDecay?: number;
  /** AdamW betas (default [0.9, 0.999]). */
  readonly betas?: readonly [number, number];
  /** Loss weights; missing ones take the paper's defaults. */
  readonly losses?: Partial<LossWeights>;
  /** CPU kernels: "wasm" (default, SIMD) or "js" (typed-array baseline). */
  readonly kernels?: KernelRoute;
  /** Worker threads (default: hardware concurrency, at most 8; 0 runs on the calling thread). */
  readonly workers?: number;
  /** Learning-rate multiplier of the residual branch (conv1, conv2); the head keeps 1 (default 1). */
  readonly residualLr?: number;
}

/**
 * Per-parameter lr multipliers for {@link AdamW}: `residualLr` on the residual branch (w1, b1,
 * w2, b2, the first params), 1 on the 1×1 head (the last 12); undefined when it is 1.
 */
export function residualLrScale(hidden: number, residualLr = 1): Float32Array | undefined {
  if (residualLr === 1) return undefined;
  if (!(Number.isFinite(residualLr) && residualLr >= 0)) {
    throw new OptionError("residualLr", `${residualLr} is not ≥ 0`);
  }
  const P = cnnParamCount(hidden);
  const s = new Float32Array(P).fill(residualLr);
  s.fill(1, P - 12);
  return s;
}

/** The result of one step: the loss terms before the update. */
export type StepResult = LossTerms;

/** Checks a batch's shape and values, naming what is wrong. */
export function validateBatch(b: CnnBatch, where = "batch"): void {
  const { n, h, w } = b;
  if (![n, h, w].every((v) => Number.isInteger(v) && v > 0)) {
    throw new InputError(where, `bad shape n=${n} h=${h} w=${w}`);
  }
  if (h < 2 || w < 2) throw new InputError(where, `crop ${h}×${w} is below 2×2 (reflect padding)`);
  const len = n * h * w * 3;
  if (!(b.source instanceof Float32Array) || b.source.length !== len) {
    throw new InputError(where, `source must be a Float32Array of ${len} values (N×h×w×3)`);
  }
  if (!(b.target instanceof Float32Array) || b.target.length !== len) {
    throw new InputError(where, `target must be a Float32Array of ${len} values (N×h×w×3)`);
  }
  for (const [name, a] of [["source", b.source], ["target", b.target]] as const) {
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) throw new InputError(where, `${name}[${i}] is not finite`);
    }
  }
}

/** Gradient of the full loss for the current weights, and the loss terms. */
export interface GradientResult {
  /** The loss terms. */
  readonly terms: LossTerms;
  /** Flat gradient (w1, b1, w2, b2, wh, bh order), float64. */
  readonly grad: Float64Array;
  /** The network output, N×h×w×3. */
  readonly output: Float32Array;
}

/**
 * A trainer holding weights, optimiser state and its shard runners (workers). Close it when done.
 * @example
 * ```ts
 * const t = await createCnnTrainer({ seed: 42, workers: 2 });
 * const terms = await stepColorCnn(t, batch);
 * t.close();
 * ```
 */
export class CnnTrainer {
  /** Hidden channels of the network. */
  readonly hidden: number;
  /** Loss weights used by every step. */
  readonly losses: LossWeights;
  #params: Float32Array;
  #opt: AdamW;
  #runners: ShardRunner[];

  /** Creates a trainer; use {@link createCnnTrainer}. */
  constructor(weights: CnnWeights, opt: AdamW, losses: LossWeights, runners: ShardRunner[]) {
    this.hidden = weights.hidden;
    this.#params = flattenWeights(weights);
    this.#opt = opt;
    this.losses = losses;
    this.#runners = runners;
  }

  /** A copy of the current weights. */
  get weights(): CnnWeights {
    return unflattenWeights(this.#params.slice(), this.hidden);
  }

  /** Optimiser steps taken. */
  get steps(): number {
    return this.#opt.steps;
  }

  /** Loss terms and gradient of a batch at the current weights (no update). */
  async gradient(b: CnnBatch): Promise<GradientResult> {
    validateBatch(b);
    const { n, h, w } = b;
    const weights = this.weights;
    const k = Math.min(this.#runners.length, n);
    const len = h * w * 3;
    const bounds = Array.from({ length: k + 1 }, (_, i) => Math.round((i * n) / k));
    const reports = await Promise.all(
      Array.from({ length: k }, (_, s) => {
        const [a, e] = [bounds[s], bounds[s + 1]];
        return this.#runners[s].forward({
          weights,
          source: b.source.slice(a * len, e * len),
          target: b.target.slice(a * len, e * len),
          n: e - a,
          h,
          w,
          total: n,
          losses: this.losses,
        });
      }),
    );
    const so = new Float64Array(6), st = new Float64Array(6);
    const terms = { moment: 0, histY: 0, histUV: 0, gram: 0, tv: 0, pixelL1: 0 };
    for (const r of reports) {
      for (let i = 0; i < r.pair.length; i++) {
        for (let c = 0; c < 6; c++) {
          (so[c] += r.sums[12 * i + c]), (st[c] += r.sums[12 * i + 6 + c]);
        }
        addPairTerms(terms, r.pair[i], n);
      }
    }
    const m = momentLoss(so, st, n * h * w);
    terms.moment = m.value;
    const parts = await Promise.all(this.#runners.slice(0, k).map((r) => r.backward(m)));
    const P = cnnParamCount(this.hidden);
    const grad = new Float64Array(P);
    for (const g of parts) {
      for (let i = 0; i < g.length; i += P) {
        for (let j = 0; j < P; j++) grad[j] += g[i + j];
      }
    }
    const output = new Float32Array(n * len);
    for (let s = 0; s < k; s++) output.set(reports[s].out, bounds[s] * len);
    return { terms: { ...terms, total: totalLoss(terms, this.losses) }, grad, output };
  }

  /** One forward + backward + AdamW update (at `lr` when given); returns the loss terms before it. */
  async step(b: CnnBatch, lr?: number): Promise<StepResult> {
    const { terms, grad } = await this.gradient(b);
    this.#opt.step(this.#params, grad, lr);
    return terms;
  }

  /** Stops the workers. */
  close(): void {
    for (const r of this.#runners) r.close();
    this.#runners = [];
  }
}

/** Creates a trainer (starts its workers). */
export async function createCnnTrainer(opts: CnnTrainerOptions = {}): Promise<CnnTrainer> {
  const weights = opts.init ? cloneWeights(opts.init) : initColorCnn(opts.seed ?? 42, opts.hidden);
  if (flattenWeights(weights).length !== cnnParamCount(weights.hidden)) {
    throw new OptionError("init", "weights do not have the CNN's parameter count");
  }
  const losses = { ...DEFAULT_LOSS_WEIGHTS, ...opts.losses };
  for (const [k, v] of Object.entries(losses)) {
    if (!(Number.isFinite(v) && v >= 0)) throw new OptionError(`losses.${k}`, `${v} is not ≥ 0`);
  }
  const lr = opts.lr ?? 1e-4;
  if (!(lr > 0)) throw new OptionError("lr", `${lr} is not > 0`);
  const workers = opts.workers ?? Math.min(8, navigator.hardwareConcurrency || 1);
  if (!Number.isInteger(workers) || workers < 0) {
    throw new OptionError("workers", `${workers} is not a non-negative integer`);
  }
  const route = opts.kernels ?? "wasm";
  const runners = workers === 0
    ? [await localRunner(route, weights.hidden)]
    : await Promise.all(Array.from({ length: workers }, () => workerRunner(route, weights.hidden)));
  const opt = new AdamW(cnnParamCount(weights.hidden), {
    lr,
    weightDecay: opts.weightDecay,
    betas: opts.betas,
  });
  return new CnnTrainer(weights, opt, losses, runners);
}

/**
 * One training step (forward, backward, AdamW) of a trainer on a batch.
 * @example
 * ```ts
 * const terms = await stepColorCnn(trainer, { source, target, n: 8, h: 64, w: 64 });
 * console.log(terms.total);
 * ```
 */
export function stepColorCnn(trainer: CnnTrainer, batch: CnnBatch): Promise<StepResult> {
  return trainer.step(batch);
}

/** Options of {@link trainColorCnn}. */
export interface TrainColorCnnOptions {
  /** Starting weights; default: {@link initColorCnn}(seed). */
  readonly init?: CnnWeights;
  /** Seed of the initial weights. */
  readonly seed: number;
  /** Optimiser steps. */
  readonly steps: number;
  /** Images per batch (documentation of the sampler's contract; checked against it). */
  readonly batchSize: number;
  /** Crop size (checked against the sampler's batches). */
  readonly crop: number;
  /** Learning rate (default 1e-4). */
  readonly lr?: number;
  /** AdamW decoupled weight decay (default 1e-4). */
  readonly weightDecay?: number;
  /** AdamW betas (default [0.9, 0.999]). */
  readonly betas?: readonly [number, number];
  /** Learning-rate multiplier of the residual branch (default 1). */
  readonly residualLr?: number;
  /** Loss weights; missing ones take the paper's stage-1 defaults. */
  readonly losses?: Partial<LossWeights>;
  /** Draws the batch of a step (source and pseudo-target crops). */
  readonly sampler: (step: number) => Promise<CnnBatch>;
  /**
   * "cpu" (default), "gpu" (WebGPU, any adapter, software ones included) or "auto" (WebGPU when a
   * hardware adapter is present, else CPU).
   */
  readonly device?: "auto" | "cpu" | "gpu";
  /** CPU worker threads (default: hardware concurrency). */
  readonly workers?: number;
  /** CPU kernels: "wasm" (default, SIMD) or "js" (typed-array baseline). */
  readonly kernels?: KernelRoute;
  /** Called after each step. */
  readonly progress?: (done: number, total: number) => void;
  /**
   * Learning rate of step `s` (0-based); default: `lr` throughout (the paper's constant rate).
   * See {@link learningRateSchedule}.
   */
  readonly lrAt?: (step: number) => number;
  /**
   * Called after each step with its loss terms and a getter of the weights after the update
   * (for learning curves; copying them costs a little, so only call it when needed).
   */
  readonly onStep?: (step: number, terms: LossTerms, weights: () => CnnWeights) => void;
  /** Aborts training (rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/** Creates a trainer on the device asked for (WebGPU trainer in `gpu.ts`, loaded on demand). */
async function trainerFor(opts: TrainColorCnnOptions): Promise<CnnTrainerLike> {
  const common = {
    init: opts.init,
    seed: opts.seed,
    lr: opts.lr,
    weightDecay: opts.weightDecay,
    betas: opts.betas,
    losses: opts.losses,
    residualLr: opts.residualLr,
  };
  const device = opts.device ?? "cpu";
  if (device !== "cpu") {
    const { createGpuCnnTrainer } = await import("./gpu.ts");
    const gpu = await createGpuCnnTrainer(common, device === "gpu");
    if (gpu) return gpu;
    if (device === "gpu") throw new OptionError("device", "no WebGPU adapter is available");
  }
  return await createCnnTrainer({ ...common, workers: opts.workers, kernels: opts.kernels });
}

/** A learning-rate schedule: constant, or cosine decay (to 0 after `steps`) after linear warm-up. */
export interface LearningRateSchedule {
  /** `constant` (the paper) or `cosine`. */
  readonly kind: "constant" | "cosine";
  /** Peak learning rate. */
  readonly lr: number;
  /** Total steps. */
  readonly steps: number;
  /** Linear warm-up steps from lr/warmup to lr (cosine only; default 0). */
  readonly warmup?: number;
}

/**
 * The learning rate of each step under a schedule.
 * @example
 * ```ts
 * const lrAt = learningRateSchedule({ kind: "cosine", lr: 3e-3, steps: 600, warmup: 30 });
 * lrAt(0); // 1e-4
 * ```
 */
export function learningRateSchedule(s: LearningRateSchedule): (step: number) => number {
  const warmup = s.warmup ?? 0;
  if (s.kind === "constant") return () => s.lr;
  return (step) => {
    if (step < warmup) return (s.lr * (step + 1)) / warmup;
    const span = Math.max(1, s.steps - warmup);
    return 0.5 * s.lr * (1 + Math.cos((Math.PI * (step - warmup)) / span));
  };
}

/** What {@link trainColorCnn} needs of a trainer (CPU or WebGPU). */
export interface CnnTrainerLike {
  step(b: CnnBatch, lr?: number): Promise<StepResult>;
  readonly weights: CnnWeights;
  close(): void;
}

/**
 * Trains the colour CNN with the §7 losses and AdamW for `steps` steps on batches from `sampler`.
 * Deterministic for a seed on the CPU (whatever the worker count).
 * @example
 * ```ts
 * const w = await trainColorCnn({ seed: 42, steps: 100, batchSize: 8, crop: 64, sampler });
 * ```
 */
export async function trainColorCnn(opts: TrainColorCnnOptions): Promise<CnnWeights> {
  if (!(Number.isInteger(opts.steps) && opts.steps >= 0)) {
    throw new OptionError("steps", `${opts.steps} is not a non-negative integer`);
  }
  opts.signal?.throwIfAborted();
  const trainer = await trainerFor(opts);
  try {
    for (let s = 0; s < opts.steps; s++) {
      opts.signal?.throwIfAborted();
      const b = await opts.sampler(s);
      const where = `sampler(${s})`;
      if (b.n !== opts.batchSize) {
        throw new InputError(where, `batch of ${b.n} images, expected batchSize ${opts.batchSize}`);
      }
      if (b.h !== opts.crop || b.w !== opts.crop) {
        throw new InputError(where, `crop ${b.h}×${b.w}, expected ${opts.crop}×${opts.crop}`);
      }
      validateBatch(b, where);
      const terms = await trainer.step(b, opts.lrAt?.(s));
      opts.onStep?.(s, terms, () => trainer.weights);
      opts.progress?.(s + 1, opts.steps);
    }
    return trainer.weights;
  } finally {
    trainer.close();
  }
}
