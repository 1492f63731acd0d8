/**
 * Entropic optimal transport (Cuturi 2013) with the conventions of POT's `ot.sinkhorn`: Gibbs
 * kernel `K = exp(−M/reg)`, scalings started at `1/n`, `1/m`, the marginal error checked every 10
 * iterations, and a log-domain variant (POT's `method="sinkhorn_log"`) for small `reg`.
 * @module
 */
import type { Matrix } from "../../../harness/types.ts";
import { checkInteger, checkMatrix, checkPositive, checkWeights } from "./validate.ts";
import { OptionError } from "../../../harness/errors.ts";
import { dotAt } from "./linalg.ts";

/** Options of {@link sinkhorn}. */
export interface SinkhornOptions {
  /** Maximum number of iterations (POT `numItermax`). Default 1000. */
  maxIter?: number;
  /** Stop when the L2 error of the column marginal is below this (POT `stopThr`). Default 1e-9. */
  tol?: number;
  /** `"sinkhorn"` (scaling, fast) or `"log"` (log-domain, stable for small `reg`). Default `"sinkhorn"`. */
  method?: "sinkhorn" | "log";
}

/** A solved entropic transport problem with its diagnostics. */
export interface SinkhornResult {
  /** The transport plan, `a.length × b.length`. */
  plan: Matrix;
  /** Iterations run (POT `log["niter"]`: the index of the last iteration). */
  iterations: number;
  /** Last measured marginal error. */
  err: number;
  /** Whether `err < tol` was reached. */
  converged: boolean;
  /**
   * The scaling form hit a zero or non-finite scaling (kernel underflow) and kept the previous
   * iterate, as POT does; the log form never sets it.
   */
  numericalError: boolean;
}

/**
 * Solves entropic OT and returns the plan `diag(u) K diag(v)` (POT `ot.sinkhorn(a, b, M, reg)`).
 *
 * @param a source weights (length `M.rows`)
 * @param b target weights (length `M.cols`), same total mass as `a`
 * @param M cost matrix, row-major
 * @param reg entropic regularisation (> 0)
 * @example
 * ```ts
 * const M = { rows: 2, cols: 2, data: new Float64Array([0, 1, 1, 0]) };
 * const a = new Float64Array([0.5, 0.5]);
 * sinkhorn(a, a, M, 1).data; // ≈ [0.3655, 0.1345, 0.1345, 0.3655]
 * ```
 */
export function sinkhorn(
  a: Float64Array,
  b: Float64Array,
  M: Matrix,
  reg: number,
  opts: SinkhornOptions = {},
): Matrix {
  return sinkhornDetailed(a, b, M, reg, opts).plan;
}

/** {@link sinkhorn} with the iteration count and final marginal error. */
export function sinkhornDetailed(
  a: Float64Array,
  b: Float64Array,
  M: Matrix,
  reg: number,
  opts: SinkhornOptions = {},
): SinkhornResult {
  const maxIter = opts.maxIter ?? 1000;
  const tol = opts.tol ?? 1e-9;
  const method = opts.method ?? "sinkhorn";
  checkMatrix("sinkhorn", "M", M);
  checkWeights("sinkhorn", "a", a, M.rows);
  checkWeights("sinkhorn", "b", b, M.cols);
  checkPositive("reg", reg);
  checkInteger("maxIter", maxIter, 1);
  checkPositive("tol", tol, 0, true);
  if (method === "sinkhorn") return scalingSinkhorn(a, b, M, reg, maxIter, tol);
  if (method === "log") return logSinkhorn(a, b, M, reg, maxIter, tol);
  throw new OptionError("method", `unknown Sinkhorn method "${method}" (use "sinkhorn" or "log")`);
}

function scalingSinkhorn(
  a: Float64Array,
  b: Float64Array,
  M: Matrix,
  reg: number,
  maxIter: number,
  tol: number,
): SinkhornResult {
  const n = M.rows, m = M.cols, md = M.data;
  const K = new Float64Array(n * m);
  for (let e = 0; e < K.length; e++) K[e] = Math.exp(md[e] / -reg);
  let u = new Float64Array(n).fill(1 / n);
  let v = new Float64Array(m).fill(1 / m);
  let uNext = new Float64Array(n);
  let vNext = new Float64Array(m);
  // ktu = Kᵀu for the current u. Each iteration streams K once: row i gives (K v)_i, hence the new
  // u_i, and at once adds K_i u_i into the next Kᵀu while the row is still in cache. Large
  // kernels are memory-bound, so this halves the time of the textbook two-pass loop.
  let ktu = new Float64Array(m), ktuNext = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const ui = u[i];
    for (let j = 0, e = i * m; j < m; j++, e++) ktu[j] += K[e] * ui;
  }
  let err = 1;
  let ii = 0;
  let converged = false, numericalError = false;
  for (; ii < maxIter; ii++) {
    let bad = false;
    for (let j = 0; j < m; j++) {
      if (ktu[j] === 0) bad = true;
      vNext[j] = b[j] / ktu[j];
    }
    ktuNext.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * m;
      const ui = a[i] / dotAt(K, o, vNext, 0, m);
      uNext[i] = ui;
      for (let j = 0; j < m; j++) ktuNext[j] += K[o + j] * ui;
    }
    if (!bad) bad = !allFinite(uNext) || !allFinite(vNext);
    if (bad) {
      numericalError = true; // machine precision reached: keep the previous scalings, as POT does
      break;
    }
    [u, uNext] = [uNext, u];
    [v, vNext] = [vNext, v];
    [ktu, ktuNext] = [ktuNext, ktu];
    if (ii % 10 === 0) {
      // Column marginal of diag(u) K diag(v) is v ∘ Kᵀu: already at hand.
      let sq = 0;
      for (let j = 0; j < m; j++) {
        const d = v[j] * ktu[j] - b[j];
        sq += d * d;
      }
      err = Math.sqrt(sq);
      if (err < tol) {
        converged = true;
        break;
      }
    }
  }
  const plan = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const ui = u[i];
    for (let j = 0, e = i * m; j < m; j++, e++) plan[e] = ui * K[e] * v[j];
  }
  return {
    plan: { rows: n, cols: m, data: plan },
    iterations: Math.min(ii, maxIter - 1),
    err,
    converged,
    numericalError,
  };
}

function logSinkhorn(
  a: Float64Array,
  b: Float64Array,
  M: Matrix,
  reg: number,
  maxIter: number,
  tol: number,
): SinkhornResult {
  const n = M.rows, m = M.cols, md = M.data;
  const Mr = new Float64Array(n * m);
  for (let e = 0; e < Mr.length; e++) Mr[e] = md[e] / -reg;
  const loga = a.map(Math.log), logb = b.map(Math.log);
  const u = new Float64Array(n), v = new Float64Array(m);
  const colMax = new Float64Array(m), colSum = new Float64Array(m), marg = new Float64Array(m);
  let err = 1;
  let ii = 0;
  let converged = false;
  for (; ii < maxIter; ii++) {
    // v = log b − logsumexp_i(Mr + u), column-wise over a row-major array: max pass, then sum pass.
    colMax.fill(-Infinity);
    for (let i = 0; i < n; i++) {
      const ui = u[i];
      for (let j = 0, e = i * m; j < m; j++, e++) {
        const x = Mr[e] + ui;
        if (x > colMax[j]) colMax[j] = x;
      }
    }
    for (let j = 0; j < m; j++) if (!Number.isFinite(colMax[j])) colMax[j] = 0;
    colSum.fill(0);
    for (let i = 0; i < n; i++) {
      const ui = u[i];
      for (let j = 0, e = i * m; j < m; j++, e++) colSum[j] += Math.exp(Mr[e] + ui - colMax[j]);
    }
    for (let j = 0; j < m; j++) v[j] = logb[j] - (Math.log(colSum[j]) + colMax[j]);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      const o = i * m;
      for (let j = 0; j < m; j++) {
        const x = Mr[o + j] + v[j];
        if (x > mx) mx = x;
      }
      if (!Number.isFinite(mx)) mx = 0;
      let s = 0;
      for (let j = 0; j < m; j++) s += Math.exp(Mr[o + j] + v[j] - mx);
      u[i] = loga[i] - (Math.log(s) + mx);
    }
    if (ii % 10 === 0) {
      marg.fill(0);
      for (let i = 0; i < n; i++) {
        const ui = u[i];
        for (let j = 0, e = i * m; j < m; j++, e++) marg[j] += Math.exp(Mr[e] + ui + v[j]);
      }
      err = l2Diff(marg, b);
      if (err < tol) {
        converged = true;
        break;
      }
    }
  }
  const plan = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const ui = u[i];
    for (let j = 0, e = i * m; j < m; j++, e++) plan[e] = Math.exp(Mr[e] + ui + v[j]);
  }
  return {
    plan: { rows: n, cols: m, data: plan },
    iterations: Math.min(ii, maxIter - 1),
    err,
    converged,
    numericalError: false,
  };
}

function allFinite(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

function l2Diff(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    s += d * d;
  }
  return Math.sqrt(s);
}
