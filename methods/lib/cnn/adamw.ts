/**
 * AdamW with `torch.optim.AdamW` semantics (decoupled weight decay applied before the moment
 * update, bias-corrected step, eps added after the bias-corrected square root).
 * @module
 */

/** AdamW hyper-parameters (torch's defaults except lr and weight decay, which follow the paper). */
export interface AdamWOptions {
  /** Learning rate (default 1e-4). */
  readonly lr?: number;
  /** Decoupled weight decay (default 1e-4). */
  readonly weightDecay?: number;
  /** β1, β2 (default [0.9, 0.999]). */
  readonly betas?: readonly [number, number];
  /** Denominator epsilon (default 1e-8). */
  readonly eps?: number;
  /**
   * Per-parameter learning-rate multipliers (torch: parameter groups with their own lr), e.g. a
   * smaller rate for a branch whose every weight Adam would otherwise move by ≈ lr per step.
   */
  readonly lrScale?: Float32Array;
}

/** Optimiser state over one flat float32 parameter vector. */
export class AdamW {
  readonly lr: number;
  readonly weightDecay: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  #scale: Float32Array | undefined;
  #m: Float64Array;
  #v: Float64Array;
  #t = 0;

  /** @param size number of parameters */
  constructor(size: number, opts: AdamWOptions = {}) {
    this.lr = opts.lr ?? 1e-4;
    this.weightDecay = opts.weightDecay ?? 1e-4;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    if (opts.lrScale && opts.lrScale.length !== size) {
      throw new RangeError(`lrScale has ${opts.lrScale.length} values for ${size} parameters`);
    }
    this.#scale = opts.lrScale;
    this.#m = new Float64Array(size);
    this.#v = new Float64Array(size);
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#t;
  }

  /**
   * One update of `params` in place from `grad`, at learning rate `lr` (default: the constructor's;
   * a schedule passes its value for this step).
   * @example
   * ```ts
   * const opt = new AdamW(p.length, { lr: 1e-3 });
   * opt.step(p, g);
   * ```
   */
  step(params: Float32Array, grad: ArrayLike<number>, lr: number = this.lr): void {
    const [b1, b2] = this.betas;
    const t = ++this.#t;
    const stepSize = lr / (1 - b1 ** t);
    const bc2 = Math.sqrt(1 - b2 ** t);
    const decay = 1 - lr * this.weightDecay;
    const m = this.#m, v = this.#v, sc = this.#scale;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const k = sc ? sc[i] : 1;
      const d = k === 1 ? decay : 1 - k * lr * this.weightDecay;
      params[i] = params[i] * d - k * stepSize * m[i] / (Math.sqrt(v[i]) / bc2 + this.eps);
    }
  }
}
