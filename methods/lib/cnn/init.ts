/**
 * Seeded initialisation of the colour CNN, matching PyTorch's default `Conv2d` init in
 * distribution (kaiming-uniform with a = √5, i.e. U(±1/√fan_in) for weights and biases).
 * @module
 */
import { uniformSource } from "../../../harness/random.ts";
import { cnnParamCount, type CnnWeights } from "./weights.ts";

/**
 * A seeded uniform source in [0, 1) (the project PRNG, `harness/random.ts`): the same seed gives
 * the same stream on every platform, so training is reproducible without global state.
 * @example
 * ```ts
 * const rand = seededRandom(42);
 * const u = rand(); // in [0, 1)
 * ```
 */
export const seededRandom: (seed: number) => () => number = uniformSource;

function uniform(n: number, bound: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rand() - 1) * bound;
  return out;
}

/**
 * Fresh weights: both 3×3 convolutions drawn like PyTorch's default init from a seeded PRNG, the
 * 1×1 colour head set to identity with zero bias (so at start `out = clamp(x + conv2(…))`).
 * @param seed PRNG seed
 * @param hidden hidden channels C (128 in the paper, giving 7,055 parameters)
 * @example
 * ```ts
 * const w = initColorCnn(42);
 * w.w1.length; // 3456
 * ```
 */
export function initColorCnn(seed: number, hidden = 128): CnnWeights {
  if (!Number.isInteger(hidden) || hidden < 4 || hidden % 4 !== 0) {
    throw new RangeError(`hidden: ${hidden} is not a positive multiple of 4`);
  }
  const rand = seededRandom(seed);
  const b1 = 1 / Math.sqrt(27);
  const b2 = 1 / Math.sqrt(hidden * 9);
  const w: CnnWeights = {
    hidden,
    w1: uniform(hidden * 27, b1, rand),
    b1: uniform(hidden, b1, rand),
    w2: uniform(3 * hidden * 9, b2, rand),
    b2: uniform(3, b2, rand),
    wh: new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]),
    bh: new Float32Array(3),
  };
  const count = w.w1.length + w.b1.length + w.w2.length + w.b2.length + w.wh.length +
    w.bh.length;
  if (count !== cnnParamCount(hidden)) throw new Error(`parameter count ${count} is wrong`);
  return w;
}

/** Deep copy of a weight set (training never mutates the caller's weights). */
export function cloneWeights(w: CnnWeights): CnnWeights {
  return {
    hidden: w.hidden,
    w1: w.w1.slice(),
    b1: w.b1.slice(),
    w2: w.w2.slice(),
    b2: w.b2.slice(),
    wh: w.wh.slice(),
    bh: w.bh.slice(),
  };
}

/** The weights as one flat vector in the order w1, b1, w2, b2, wh, bh (the optimiser's view). */
export function flattenWeights(w: CnnWeights): Float32Array {
  const out = new Float32Array(cnnParamCount(w.hidden));
  let o = 0;
  for (const t of [w.w1, w.b1, w.w2, w.b2, w.wh, w.bh]) {
    out.set(t, o);
    o += t.length;
  }
  return out;
}

/** Inverse of {@link flattenWeights}. */
export function unflattenWeights(flat: Float32Array, hidden: number): CnnWeights {
  if (flat.length !== cnnParamCount(hidden)) {
    throw new RangeError(`flat weights: ${flat.length} values, expected ${cnnParamCount(hidden)}`);
  }
  let o = 0;
  const take = (n: number) => flat.slice(o, o += n);
  return {
    hidden,
    w1: take(hidden * 27),
    b1: take(hidden),
    w2: take(3 * hidden * 9),
    b2: take(3),
    wh: take(9),
    bh: take(3),
  };
}
