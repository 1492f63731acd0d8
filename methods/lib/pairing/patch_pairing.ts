/**
 * Patch-level matching (reference method §5): the patches of each source scene against all
 * patches of that scene's top-K target scenes — squared L2 divided by the row mean and T,
 * entropic Sinkhorn (ε 0.05, 20 iterations), row-normalised; then weighted by the image weight of
 * the target patch's scene, row-renormalised and cut to the heaviest `keep` targets.
 * @module
 */
import { OptionError } from "../../../harness/errors.ts";
import { surrogateWeights } from "../ot/surrogate.ts";
import { divideRowsByMean, sqDistances } from "./costs.ts";
import type { SceneMatch } from "./image_pairing.ts";
import { sparseFromRows, type SparsePairs } from "./sparse.ts";
import type { SceneGroup } from "./stitch.ts";

/** Options of {@link pairPatches} (paper values as defaults). */
export interface PatchPairingOptions {
  /** Entropic regularisation ε (paper 0.05). */
  readonly epsilon?: number;
  /** Sinkhorn iterations (paper 20). */
  readonly iterations?: number;
  /** Temperature T dividing the row-normalised cost (paper 1). */
  readonly temperature?: number;
  /** Lower bound of the Sinkhorn kernel entries (paper 1e-8). */
  readonly kernelFloor?: number;
  /** Pseudo targets kept per source patch (the training step samples among the top 8). */
  readonly keep?: number;
}

/** Resolved defaults of {@link PatchPairingOptions}. */
export const PATCH_PAIRING_DEFAULTS: Required<PatchPairingOptions> = {
  epsilon: 0.05,
  iterations: 20,
  temperature: 1,
  kernelFloor: 1e-8,
  keep: 8,
};

/**
 * Builds the sparse pseudo-pair list between source and target patches.
 *
 * @param src source patch descriptors (in source patch order)
 * @param tgt target patch descriptors (in target patch order)
 * @param srcScenes source scenes (their `items` index `src`), in the row order of `match`
 * @param tgtScenes target scenes (their `items` index `tgt`), in the column order of `match`
 * @param match the image-level match
 * @returns CSR rows = source patches, indices = target patches, weights row-normalised
 * @example
 * ```ts
 * const pairs = pairPatches(rawPatchDesc, rgbPatchDesc, rawScenes, rgbScenes, sceneMatch);
 * ```
 */
export function pairPatches(
  src: readonly Float32Array[],
  tgt: readonly Float32Array[],
  srcScenes: readonly SceneGroup[],
  tgtScenes: readonly SceneGroup[],
  match: SceneMatch,
  opts: PatchPairingOptions = {},
): SparsePairs {
  const o = { ...PATCH_PAIRING_DEFAULTS, ...opts };
  if (!(o.epsilon > 0)) throw new OptionError("patchEpsilon", `must be > 0, got ${o.epsilon}`);
  if (!(o.temperature > 0)) throw new OptionError("temperature", `must be > 0`);
  if (!(Number.isInteger(o.keep) && o.keep >= 1)) throw new OptionError("keep", "must be ≥ 1");
  if (!(Number.isInteger(o.iterations) && o.iterations >= 1)) {
    throw new OptionError("patchIterations", "must be an integer ≥ 1");
  }
  if (match.top.length !== srcScenes.length) {
    throw new RangeError(`match has ${match.top.length} rows for ${srcScenes.length} scenes`);
  }
  const rows: { j: number; w: number }[][] = Array.from({ length: src.length }, () => []);
  srcScenes.forEach((scene, s) => {
    const pool: number[] = [];
    const poolWeight: number[] = [];
    match.top[s].forEach((t, r) => {
      for (const j of tgtScenes[t].items) {
        pool.push(j);
        poolWeight.push(match.weights[s][r]);
      }
    });
    const x = scene.items.map((i) => src[i]);
    const y = pool.map((j) => tgt[j]);
    const M = divideRowsByMean(sqDistances(x, y));
    for (let k = 0; k < M.data.length; k++) M.data[k] /= o.temperature;
    // The paper's fixed-iteration Sinkhorn on a floored kernel, row-normalised.
    const plan = surrogateWeights(M, {
      epsilon: o.epsilon,
      iterations: o.iterations,
      kernelFloor: o.kernelFloor,
    });
    scene.items.forEach((i, a) => {
      rows[i] = pool.map((j, b) => ({ j, w: plan.data[a * pool.length + b] * poolWeight[b] }));
    });
  });
  return sparseFromRows(rows, tgt.length, o.keep);
}
