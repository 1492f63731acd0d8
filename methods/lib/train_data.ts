/**
 * Training batches for the three colour-CNN methods (reference method §7): which target goes
 * with each source patch — a pseudo target drawn ∝ its pairing weight (`semantic-pairing`), a
 * uniformly random target (`cnn-unpaired`), or the true target at the same position
 * (`oracle-paired`) — and the random crops, packed NHWC float32 as the trainer wants them.
 * @module
 */
import { InputError } from "../../harness/errors.ts";
import { createRng, type Rng } from "../../harness/random.ts";
import type { RgbImage } from "../../harness/types.ts";
import type { CnnBatch } from "./cnn/train.ts";
import type { SparsePairs } from "./ot/sparse.ts";

/** Options shared by every sampler. */
export interface SamplerOptions {
  /** Images per batch (paper 24). */
  readonly batchSize: number;
  /** Square crop side (paper 512); cut down to the smallest image side when larger. */
  readonly crop: number;
  /** Seed of every draw. */
  readonly seed: number;
}

/** Batches on demand: call `next()` once per step. */
export interface BatchSampler {
  /** Crop side actually used. */
  readonly crop: number;
  /** Source patches per epoch (an epoch visits each once). */
  readonly epochSize: number;
  /** The next batch. */
  next(): CnnBatch;
}

/** Copies a `size×size` window at (x, y) of `img` into `out` at float offset `at`. */
export function cropInto(
  img: RgbImage,
  x: number,
  y: number,
  size: number,
  out: Float32Array,
  at: number,
): void {
  for (let r = 0; r < size; r++) {
    const s = ((y + r) * img.width + x) * 3;
    out.set(img.data.subarray(s, s + size * 3), at + r * size * 3);
  }
}

/** The crop side: the requested one, or the smallest image side when that is smaller. */
export function effectiveCrop(crop: number, ...sets: readonly (readonly RgbImage[])[]): number {
  if (!(Number.isInteger(crop) && crop >= 2)) throw new RangeError(`crop ${crop} must be ≥ 2`);
  let c = crop;
  for (const set of sets) for (const im of set) c = Math.min(c, im.width, im.height);
  return c;
}

/** Visits source indices in epochs of fresh random permutations. */
function epochOrder(n: number, rng: Rng): () => number {
  let order: number[] = [];
  let pos = n;
  return () => {
    if (pos >= n) {
      order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      pos = 0;
    }
    return order[pos++];
  };
}

function checkSets(sources: readonly RgbImage[], targets: readonly RgbImage[], o: SamplerOptions) {
  if (sources.length === 0) throw new InputError("train/raw", "no training RAW patches");
  if (targets.length === 0) throw new InputError("train/rgb", "no training target patches");
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1)) {
    throw new RangeError(`batchSize ${o.batchSize} must be ≥ 1`);
  }
}

/**
 * Batches of `count` source patches visited in epochs: `fill` copies source patch `i`'s crop and
 * its target crop into the batch at float offset `at`, drawing any random choice from `rng` (one
 * stream per sampler, so a seed fixes every batch).
 */
function epochSampler(
  count: number,
  crop: number,
  seed: number,
  batchSize: number,
  fill: (i: number, rng: Rng, source: Float32Array, target: Float32Array, at: number) => void,
): BatchSampler {
  const rng = createRng(seed);
  const nextSource = epochOrder(count, rng);
  const len = crop * crop * 3;
  return {
    crop,
    epochSize: count,
    next() {
      const n = batchSize;
      const source = new Float32Array(n * len), target = new Float32Array(n * len);
      for (let b = 0; b < n; b++) fill(nextSource(), rng, source, target, b * len);
      return { source, target, n, h: crop, w: crop };
    },
  };
}

/**
 * Samples (source, target) batches where each source patch's target is chosen by `pick`, both
 * cropped independently at random positions.
 */
function independentSampler(
  sources: readonly RgbImage[],
  targets: readonly RgbImage[],
  o: SamplerOptions,
  pick: (i: number, rng: Rng) => number,
): BatchSampler {
  checkSets(sources, targets, o);
  const crop = effectiveCrop(o.crop, sources, targets);
  return epochSampler(sources.length, crop, o.seed, o.batchSize, (i, rng, source, target, at) => {
    const s = sources[i], t = targets[pick(i, rng)];
    cropInto(s, rng.int(s.width - crop + 1), rng.int(s.height - crop + 1), crop, source, at);
    cropInto(t, rng.int(t.width - crop + 1), rng.int(t.height - crop + 1), crop, target, at);
  });
}

/**
 * Pseudo-pair batches (`semantic-pairing`): each source patch keeps its `topK` heaviest pseudo
 * targets and draws one with probability ∝ weight (uniformly among all targets when it has none).
 *
 * @example
 * ```ts
 * const s = pseudoPairSampler(pre, rgbs, pairs, { batchSize: 24, crop: 512, seed: 42 });
 * const batch = s.next();
 * ```
 */
export function pseudoPairSampler(
  sources: readonly RgbImage[],
  targets: readonly RgbImage[],
  pairs: SparsePairs,
  o: SamplerOptions & { readonly topK?: number },
): BatchSampler {
  if (pairs.rows !== sources.length) {
    throw new RangeError(`pairs have ${pairs.rows} rows for ${sources.length} sources`);
  }
  const topK = o.topK ?? 8;
  const rows = Array.from({ length: pairs.rows }, (_, i) => {
    const e: { j: number; w: number }[] = [];
    for (let k = pairs.indptr[i]; k < pairs.indptr[i + 1]; k++) {
      if (pairs.weights[k] > 0) e.push({ j: pairs.indices[k], w: pairs.weights[k] });
    }
    return e.sort((a, b) => b.w - a.w || a.j - b.j).slice(0, topK);
  });
  return independentSampler(sources, targets, o, (i, rng) => {
    const row = rows[i];
    if (row.length === 0) return rng.int(targets.length);
    const z = row.reduce((s, e) => s + e.w, 0);
    let u = rng.next() * z;
    for (const e of row) {
      u -= e.w;
      if (u < 0) return e.j;
    }
    return row[row.length - 1].j;
  });
}

/** Unpaired batches (`cnn-unpaired`, the ablation): targets drawn uniformly at random. */
export function uniformSampler(
  sources: readonly RgbImage[],
  targets: readonly RgbImage[],
  o: SamplerOptions,
): BatchSampler {
  return independentSampler(sources, targets, o, (_, rng) => rng.int(targets.length));
}

/**
 * Truly paired batches (`oracle-paired`): each source's own target, cropped at the same place.
 *
 * @throws {InputError} naming the patch when a source and its target differ in size
 */
export function alignedSampler(
  sources: readonly RgbImage[],
  truths: readonly RgbImage[],
  o: SamplerOptions,
  names: readonly string[] = [],
): BatchSampler {
  checkSets(sources, truths, o);
  sources.forEach((s, i) => {
    const t = truths[i];
    if (t === undefined || t.width !== s.width || t.height !== s.height) {
      throw new InputError(
        names[i] ?? `source ${i}`,
        `true target ${t ? `${t.width}×${t.height}` : "missing"} does not match ` +
          `the pre-ISP output ${s.width}×${s.height}`,
      );
    }
  });
  const crop = effectiveCrop(o.crop, sources);
  return epochSampler(sources.length, crop, o.seed, o.batchSize, (i, rng, source, target, at) => {
    const s = sources[i];
    const x = rng.int(s.width - crop + 1), y = rng.int(s.height - crop + 1);
    cropInto(s, x, y, crop, source, at);
    cropInto(truths[i], x, y, crop, target, at);
  });
}
