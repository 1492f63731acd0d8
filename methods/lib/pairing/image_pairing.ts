/**
 * Image-level matching (reference method §4): stitched RAW scenes against stitched RGB scenes.
 * An OT variant turns descriptor distances into a transport plan; each source scene then keeps
 * its top-K target scenes with image weights.
 * @module
 */
import { OptionError } from "../../../harness/errors.ts";
import type { Matrix } from "../../../harness/types.ts";
import { featureMatrix } from "../ot/cost.ts";
import { fusedGromovWasserstein } from "../ot/fgw.ts";
import { sinkhorn } from "../ot/sinkhorn.ts";
import { fgwSurrogate } from "../ot/surrogate.ts";
import { divideByMean, rowNormalise, sqDistances, uniform } from "./costs.ts";
import type { SparsePairs } from "./sparse.ts";

/**
 * OT variants: the paper's own FGW-like surrogate, the exact fused Gromov–Wasserstein of Vayer et
 * al. (POT's conventions) and plain entropic Sinkhorn on the feature cost.
 */
export const OT_VARIANTS = ["paper-surrogate", "fgw", "sinkhorn"] as const;
/** One of {@link OT_VARIANTS}. */
export type OtVariant = (typeof OT_VARIANTS)[number];

/** How the top-K target scenes of a source scene are weighted. */
export type ImageWeighting = "scores" | "rank";

/** Options of {@link pairScenes} (paper values as defaults). */
export interface ScenePairingOptions {
  /**
   * OT variant. Default `fgw` (exact): in the pairing report (bench/pairing_report.ts, small
   * fixtures, seeds 0 and 1) it had the best scene top-1 (53 %, 58 % vs surrogate 42 %, 42 % and
   * Sinkhorn 32 %, 58 %) and patch top-1 (50 %, 53 % vs 35 %, 47 % and 35 %, 49 %; random 5 %).
   * Its sparse plan gives a lower top-4 scene recall, which the training does not use.
   */
  readonly ot?: OtVariant;
  /** FGW trade-off α between structure and features (paper 0.5). */
  readonly alpha?: number;
  /** Entropic regularisation ε (paper 0.05). */
  readonly epsilon?: number;
  /** Sinkhorn iterations (paper 20). */
  readonly iterations?: number;
  /** Temperature T dividing the cost (paper 1). */
  readonly temperature?: number;
  /** Target scenes kept per source scene (4, the length of the rank prior). */
  readonly topK?: number;
  /** `scores`: plan scores clipped at 0 and normalised; `rank`: the prior below. */
  readonly weighting?: ImageWeighting;
  /** Rank prior for `rank` weighting (0.4/0.3/0.2/0.1). */
  readonly rankPrior?: readonly number[];
}

/** Resolved defaults of {@link ScenePairingOptions}. */
export const SCENE_PAIRING_DEFAULTS: Required<ScenePairingOptions> = {
  ot: "fgw",
  alpha: 0.5,
  epsilon: 0.05,
  iterations: 20,
  temperature: 1,
  topK: 10,
  weighting: "scores",
  rankPrior: [0.4, 0.3, 0.2, 0.1],
};

/** Top-K target scenes of each source scene. */
export interface SceneMatch {
  /** Row-normalised plan scores, `nSrc × nTgt` (dense). */
  readonly scores: Matrix;
  /** Per source scene: target scene indices, best first. */
  readonly top: readonly Int32Array[];
  /** Per source scene: image weight of each kept target scene (sums to 1). */
  readonly weights: readonly Float64Array[];
}

/**
 * Pluggable solvers for the variants that live in `methods/lib/ot/` (the exact FGW and the paper's
 * surrogate), so the pairing code only depends on their call shapes.
 */
export interface SceneSolvers {
  /** Exact FGW: plan of `(M, C1, C2, p, q, α)`. */
  fgw?(M: Matrix, C1: Matrix, C2: Matrix, p: Float64Array, q: Float64Array, alpha: number): Matrix;
  /** The paper's surrogate on raw descriptors → sparse row-normalised top-k weights. */
  surrogate?(
    x: readonly Float32Array[],
    y: readonly Float32Array[],
    o: { alpha: number; epsilon: number; iterations: number; temperature: number },
  ): SparsePairs;
}

/**
 * The solvers for the variants that live in `methods/lib/ot/`: the exact FGW (conditional
 * gradient, POT conventions) and the paper's surrogate (keeping its top 10 per source, as the
 * paper does, before the image-level top-K cut).
 */
export const DEFAULT_SOLVERS: SceneSolvers = {
  fgw: (M, C1, C2, p, q, alpha) => fusedGromovWasserstein(M, C1, C2, p, q, { alpha }).plan,
  surrogate: (x, y, o) =>
    fgwSurrogate(featureMatrix(x, "source scenes"), featureMatrix(y, "target scenes"), {
      alpha: o.alpha,
      epsilon: o.epsilon,
      iterations: o.iterations,
      temperature: o.temperature,
      topK: 10,
    }),
};

/** Row scores → the sorted top-K target scenes with their image weights. */
function keepTop(
  scores: Matrix,
  o: Required<ScenePairingOptions>,
): { top: Int32Array[]; weights: Float64Array[] } {
  const k = Math.min(o.weighting === "rank" ? o.rankPrior.length : o.topK, scores.cols);
  const top: Int32Array[] = [], weights: Float64Array[] = [];
  for (let i = 0; i < scores.rows; i++) {
    const order = Array.from({ length: scores.cols }, (_, j) => j)
      .sort((a, b) => scores.data[i * scores.cols + b] - scores.data[i * scores.cols + a] || a - b)
      .slice(0, k);
    let w: number[];
    if (o.weighting === "rank") {
      w = o.rankPrior.slice(0, k) as number[];
    } else {
      w = order.map((j) => Math.max(0, scores.data[i * scores.cols + j]));
    }
    const z = w.reduce((s, v) => s + v, 0);
    top.push(Int32Array.from(order));
    weights.push(Float64Array.from(w.map((v) => (z > 0 ? v / z : 1 / k))));
  }
  return { top, weights };
}

/** Squared-L2 self-distances divided by their maximum (POT's usual GW structure scaling). */
function structure(x: readonly Float32Array[]): Matrix {
  const c = sqDistances(x, x);
  let mx = 0;
  for (const v of c.data) mx = Math.max(mx, v);
  return { rows: c.rows, cols: c.cols, data: mx > 0 ? c.data.map((v) => v / mx) : c.data };
}

function checkOptions(o: Required<ScenePairingOptions>): void {
  if (!OT_VARIANTS.includes(o.ot)) {
    throw new OptionError("ot", `unknown OT variant '${o.ot}' (${OT_VARIANTS.join(" | ")})`);
  }
  if (o.weighting !== "scores" && o.weighting !== "rank") {
    throw new OptionError("imageWeighting", `unknown weighting '${o.weighting}' (scores | rank)`);
  }
  for (const [k, v] of [["epsilon", o.epsilon], ["temperature", o.temperature]] as const) {
    if (!(v > 0)) throw new OptionError(k, `must be > 0, got ${v}`);
  }
  if (!(o.alpha >= 0 && o.alpha <= 1)) throw new OptionError("alpha", `must be in [0, 1]`);
  if (!(Number.isInteger(o.topK) && o.topK >= 1)) throw new OptionError("topK", "must be ≥ 1");
  if (!(Number.isInteger(o.iterations) && o.iterations >= 1)) {
    throw new OptionError("iterations", "must be an integer ≥ 1");
  }
}

/**
 * Matches source scenes to target scenes.
 *
 * @param src descriptors of the stitched source (RAW, pre-ISP'd) scenes
 * @param tgt descriptors of the stitched target (RGB) scenes
 * @example
 * ```ts
 * const m = pairScenes(rawDesc, rgbDesc, { ot: "sinkhorn", topK: 4 });
 * m.top[0]; // the 4 best target scenes of source scene 0
 * ```
 */
export function pairScenes(
  src: readonly Float32Array[],
  tgt: readonly Float32Array[],
  opts: ScenePairingOptions = {},
  solvers: SceneSolvers = DEFAULT_SOLVERS,
): SceneMatch {
  const o = { ...SCENE_PAIRING_DEFAULTS, ...opts };
  checkOptions(o);
  if (src.length === 0 || tgt.length === 0) throw new RangeError("pairScenes: no scenes");
  let scores: Matrix;
  if (o.ot === "paper-surrogate") {
    if (!solvers.surrogate) throw new OptionError("ot", "paper-surrogate solver not available");
    const sp = solvers.surrogate(src, tgt, o);
    const data = new Float64Array(src.length * tgt.length);
    for (let i = 0; i < sp.rows; i++) {
      for (let k = sp.indptr[i]; k < sp.indptr[i + 1]; k++) {
        data[i * tgt.length + sp.indices[k]] = sp.weights[k];
      }
    }
    scores = rowNormalise({ rows: src.length, cols: tgt.length, data });
  } else {
    const M = divideByMean(sqDistances(src, tgt));
    const p = uniform(src.length), q = uniform(tgt.length);
    if (o.ot === "fgw") {
      if (!solvers.fgw) throw new OptionError("ot", "fgw solver not available");
      scores = rowNormalise(solvers.fgw(M, structure(src), structure(tgt), p, q, o.alpha));
    } else {
      const cost = { ...M, data: M.data.map((v) => v / o.temperature) };
      scores = rowNormalise(
        sinkhorn(p, q, cost, o.epsilon, { maxIter: o.iterations, tol: 1e-300 }),
      );
    }
  }
  return { scores, ...keepTop(scores, o) };
}
