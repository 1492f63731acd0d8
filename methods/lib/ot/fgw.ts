/**
 * Exact fused Gromov–Wasserstein (Vayer et al., ICML 2019) with the square loss, solved like POT's
 * `ot.gromov.fused_gromov_wasserstein`: conditional gradient (Frank–Wolfe) from `G0 = p qᵀ`, an
 * exact OT solve of the linearised problem per step, and the exact line search on the quadratic
 * objective. `C1 G C2ᵀ` is updated incrementally and the EMD direction is sparse, so one step costs
 * about one dense matrix product instead of POT's several.
 * @module
 */
import type { Matrix } from "../../../harness/types.ts";
import { InputError, OptionError } from "../../../harness/errors.ts";
import { networkSimplex } from "./emd.ts";
import { sinkhornDetailed } from "./sinkhorn.ts";
import { dot, dotAt, matmul, transpose } from "./linalg.ts";
import { checkInteger, checkMatrix, checkPositive, checkWeights } from "./validate.ts";

/** Options of {@link fusedGromovWasserstein}; defaults follow POT 0.8.2. */
export interface FgwOptions {
  /** Weight of the structure term: `(1−α)·<M,T> + α·GW(T)`. Default 0.5. */
  alpha?: number;
  /** Only the square loss `(C1[i,k] − C2[j,l])²` is offered. */
  lossFun?: "square_loss";
  /** Maximum conditional-gradient steps (POT `numItermax`). Default 200. */
  maxIter?: number;
  /** Stop on a relative objective change below this (POT `stopThr`). Default 1e-9. */
  tol?: number;
  /** Stop on an absolute objective change below this (POT `stopThr2`). Default 1e-9. */
  tolAbs?: number;
  /** Armijo backtracking instead of the exact line search. Default false. */
  armijo?: boolean;
  /** Starting plan (marginals must match `p`, `q`). Default `p qᵀ`. */
  G0?: Matrix;
  /**
   * Solver of the linearised problem: `"emd"` (exact, POT's choice) or `"sinkhorn"` (entropic,
   * approximate). Measured on the bench, `"sinkhorn"` is slower and ends well above the exact
   * objective (Frank–Wolfe with blurred directions); it stays for experiments. Default `"emd"`.
   */
  inner?: "emd" | "sinkhorn";
  /**
   * Entropic regularisation of the `"sinkhorn"` inner solver, relative to the mean of the
   * min-shifted gradient. Default 0.01.
   */
  epsilon?: number;
  /** Iteration limit of each `"sinkhorn"` inner solve. Default 1000. */
  innerMaxIter?: number;
  /** Pivot limit of each exact inner solve (POT `numItermaxEmd`). Default 100000. */
  emdMaxIter?: number;
}

/** Result of {@link fusedGromovWasserstein}. */
export interface FgwResult {
  /** The coupling, `p.length × q.length`. */
  plan: Matrix;
  /** The FGW objective at `plan` (POT `fgw_dist`; exact quartic sum for the entropic inner solver). */
  value: number;
  /** Conditional-gradient steps made. */
  iterations: number;
  /**
   * False if an exact inner solve hit `emdMaxIter` before optimality (POT only warns then), or an
   * entropic one missed its tolerance.
   */
  innerConverged: boolean;
}

/**
 * Fused Gromov–Wasserstein coupling between two structured distributions.
 *
 * `value = (1−α)·Σ M[i,j] T[i,j] + α·Σ_{i,j,k,l} (C1[i,k] − C2[j,l])² T[i,j] T[k,l]`.
 * The exact line search assumes symmetric `C1`, `C2` (as POT's does).
 *
 * @param M feature cost, ns × nt
 * @param C1 source structure, ns × ns
 * @param C2 target structure, nt × nt
 * @param p source weights
 * @param q target weights
 * @example
 * ```ts
 * const { plan, value } = fusedGromovWasserstein(M, C1, C2, p, q, { alpha: 0.5 });
 * ```
 */
export function fusedGromovWasserstein(
  M: Matrix,
  C1: Matrix,
  C2: Matrix,
  p: Float64Array,
  q: Float64Array,
  opts: FgwOptions = {},
): FgwResult {
  const alpha = opts.alpha ?? 0.5;
  const maxIter = opts.maxIter ?? 200;
  const tol = opts.tol ?? 1e-9, tolAbs = opts.tolAbs ?? 1e-9;
  const inner = opts.inner ?? "emd";
  const epsilon = opts.epsilon ?? 0.01;
  const emdMaxIter = opts.emdMaxIter ?? 100000;
  const innerMaxIter = opts.innerMaxIter ?? 1000;
  if ((opts.lossFun ?? "square_loss") !== "square_loss") {
    throw new OptionError("lossFun", `only "square_loss" is supported, got "${opts.lossFun}"`);
  }
  if (inner !== "emd" && inner !== "sinkhorn") {
    throw new OptionError("inner", `use "emd" or "sinkhorn", got "${inner}"`);
  }
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new OptionError("alpha", `must be in [0, 1], got ${alpha}`);
  }
  checkInteger("maxIter", maxIter, 1);
  checkPositive("tol", tol, 0, true);
  checkPositive("tolAbs", tolAbs, 0, true);
  checkPositive("epsilon", epsilon);
  checkMatrix("fusedGromovWasserstein", "M", M);
  const ns = M.rows, nt = M.cols;
  checkMatrix("fusedGromovWasserstein", "C1", C1, ns, ns);
  checkMatrix("fusedGromovWasserstein", "C2", C2, nt, nt);
  checkWeights("fusedGromovWasserstein", "p", p, ns);
  checkWeights("fusedGromovWasserstein", "q", q, nt);

  const size = ns * nt;
  const G = new Float64Array(size);
  if (opts.G0) {
    checkMatrix("fusedGromovWasserstein", "G0", opts.G0, ns, nt);
    G.set(opts.G0.data);
    checkPlanMarginals(G, p, q);
  } else {
    for (let i = 0; i < ns; i++) for (let j = 0; j < nt; j++) G[i * nt + j] = p[i] * q[j];
  }
  const c1 = C1.data, c2t = transpose(C2.data, nt, nt);
  // constC[i,j] = f1[i] + f2[j]: the part of the square loss that depends on the marginals only.
  const f1 = new Float64Array(ns), f2 = new Float64Array(nt);
  for (let i = 0; i < ns; i++) {
    let s = 0;
    for (let k = 0; k < ns; k++) s += c1[i * ns + k] * c1[i * ns + k] * p[k];
    f1[i] = s;
  }
  for (let j = 0; j < nt; j++) {
    let s = 0;
    for (let l = 0; l < nt; l++) s += C2.data[j * nt + l] * C2.data[j * nt + l] * q[l];
    f2[j] = s;
  }
  // lin[i,j] = (1−α) M[i,j] + α constC[i,j]: the objective's linear part.
  const lin = new Float64Array(size);
  for (let i = 0; i < ns; i++) {
    for (let j = 0, e = i * nt; j < nt; j++, e++) {
      lin[e] = (1 - alpha) * M.data[e] + alpha * (f1[i] + f2[j]);
    }
  }
  const tmp = new Float64Array(size);
  // A = C1 G C2ᵀ, kept in step with G. The default G0 = p qᵀ has rank one: A = (C1 p)(C2 q)ᵀ.
  let A: Float64Array;
  if (opts.G0) {
    A = matmul(c1, matmul(G, c2t, ns, nt, nt, tmp), ns, ns, nt);
  } else {
    const c1p = new Float64Array(ns), c2q = new Float64Array(nt);
    for (let i = 0; i < ns; i++) c1p[i] = dotAt(c1, i * ns, p, 0, ns);
    for (let j = 0; j < nt; j++) c2q[j] = dotAt(C2.data, j * nt, q, 0, nt);
    A = new Float64Array(size);
    for (let i = 0; i < ns; i++) for (let j = 0; j < nt; j++) A[i * nt + j] = c1p[i] * c2q[j];
  }
  const B = new Float64Array(size), dA = new Float64Array(size), dG = new Float64Array(size);
  const grad = new Float64Array(size);
  const objective = (g: Float64Array, a: Float64Array) => dot(lin, g) - 2 * alpha * dot(a, g);
  const at = (t: number) => {
    for (let e = 0; e < size; e++) {
      B[e] = G[e] + t * dG[e];
      tmp[e] = A[e] + t * dA[e];
    }
    return objective(B, tmp);
  };

  let fVal = objective(G, A);
  let it = 0;
  let innerConverged = true;
  while (true) {
    it++;
    const old = fVal;
    // Gradient of the objective: (1−α) M + α·2·(constC − 2 A).
    let gMin = Infinity;
    for (let i = 0; i < ns; i++) {
      for (let j = 0, e = i * nt; j < nt; j++, e++) {
        const g = (1 - alpha) * M.data[e] + 2 * alpha * (f1[i] + f2[j] - 2 * A[e]);
        grad[e] = g;
        if (g < gMin) gMin = g;
      }
    }
    const gradM: Matrix = { rows: ns, cols: nt, data: grad };
    let Gc: Float64Array;
    if (inner === "emd") {
      const r = networkSimplex(p, q, gradM, { maxIter: emdMaxIter });
      innerConverged &&= r.optimal;
      Gc = r.plan.data;
      // C1 Gc C2ᵀ: Gc has at most ns + nt − 1 non-zeros, so take Gc C2ᵀ sparsely first.
      tmp.fill(0);
      for (let k = 0; k < ns; k++) {
        for (let l = 0; l < nt; l++) {
          const g = Gc[k * nt + l];
          if (g === 0) continue;
          const o = k * nt, r2 = l * nt;
          for (let j = 0; j < nt; j++) tmp[o + j] += g * c2t[r2 + j];
        }
      }
    } else {
      const shifted = new Float64Array(size);
      let mean = 0;
      for (let e = 0; e < size; e++) mean += shifted[e] = grad[e] - gMin;
      mean /= size;
      // ε is relative to the gradient's scale, which changes by orders of magnitude between inputs.
      const reg = epsilon * (mean > 0 ? mean : 1);
      const sM = { rows: ns, cols: nt, data: shifted };
      const fast = sinkhornDetailed(p, q, sM, reg, { maxIter: innerMaxIter });
      // The scaling form is fast; the log form only when its kernel underflowed.
      const sol = fast.numericalError
        ? sinkhornDetailed(p, q, sM, reg, { method: "log", maxIter: innerMaxIter })
        : fast;
      Gc = sol.plan.data;
      innerConverged &&= sol.converged;
      matmul(Gc, c2t, ns, nt, nt, tmp);
    }
    matmul(c1, tmp, ns, ns, nt, B);
    for (let e = 0; e < size; e++) {
      dG[e] = Gc[e] - G[e];
      dA[e] = B[e] - A[e];
    }

    let tau: number;
    if (opts.armijo) {
      const r = armijo(at, fVal, dot(grad, dG));
      tau = r.tau;
      fVal = r.value;
    } else {
      // cost(G + t·dG) = qa t² + qb t + fVal, exactly.
      const qa = -2 * alpha * dot(dA, dG);
      const qb = dot(lin, dG) - 2 * alpha * (dot(dA, G) + dot(A, dG));
      tau = Math.min(1, Math.max(0, quadraticStep(qa, qb, fVal)));
      fVal = at(tau);
    }
    for (let e = 0; e < size; e++) {
      G[e] += tau * dG[e];
      A[e] += tau * dA[e];
    }
    const absDelta = Math.abs(fVal - old);
    if (it >= maxIter || absDelta / Math.abs(fVal) < tol || absDelta < tolAbs) break;
  }
  const plan = { rows: ns, cols: nt, data: G };
  // Entropic directions meet the marginals only approximately, and the incremental objective
  // assumes them exactly: report the true quartic sum instead.
  const value = inner === "emd" ? fVal : fgwObjective(M, C1, C2, plan, alpha);
  return { plan, value, iterations: it, innerConverged };
}

/** Value of the square-loss FGW objective at a given coupling, by the O(n³) identity. */
export function fgwObjective(
  M: Matrix,
  C1: Matrix,
  C2: Matrix,
  T: Matrix,
  alpha: number,
): number {
  const ns = M.rows, nt = M.cols;
  const t = T.data;
  const rowSum = new Float64Array(ns), colSum = new Float64Array(nt);
  for (let i = 0; i < ns; i++) {
    for (let j = 0; j < nt; j++) {
      rowSum[i] += t[i * nt + j];
      colSum[j] += t[i * nt + j];
    }
  }
  let quad = 0;
  for (let i = 0; i < ns; i++) {
    for (let k = 0; k < ns; k++) quad += C1.data[i * ns + k] ** 2 * rowSum[i] * rowSum[k];
  }
  for (let j = 0; j < nt; j++) {
    for (let l = 0; l < nt; l++) quad += C2.data[j * nt + l] ** 2 * colSum[j] * colSum[l];
  }
  const A = matmul(C1.data, matmul(t, transpose(C2.data, nt, nt), ns, nt, nt), ns, ns, nt);
  quad -= 2 * dot(A, t);
  return (1 - alpha) * dot(M.data, t) + alpha * quad;
}

function checkPlanMarginals(G: Float64Array, p: Float64Array, q: Float64Array) {
  const ns = p.length, nt = q.length;
  const col = new Float64Array(nt);
  for (let i = 0; i < ns; i++) {
    let r = 0;
    for (let j = 0; j < nt; j++) {
      r += G[i * nt + j];
      col[j] += G[i * nt + j];
    }
    if (Math.abs(r - p[i]) > 1e-8) {
      throw new InputError(
        "fusedGromovWasserstein(G0)",
        `row ${i} sums to ${r}, not p[${i}]=${p[i]}`,
      );
    }
  }
  for (let j = 0; j < nt; j++) {
    if (Math.abs(col[j] - q[j]) > 1e-8) {
      throw new InputError(
        "fusedGromovWasserstein(G0)",
        `column ${j} sums to ${col[j]}, not q[${j}]=${q[j]}`,
      );
    }
  }
}

/** Minimiser over [0, 1] of `a t² + b t + c` (concave case: the better end point). */
function quadraticStep(a: number, b: number, c: number): number {
  if (a > 0) return Math.min(1, Math.max(0, -b / (2 * a)));
  return c > a + b + c ? 1 : 0;
}

/**
 * Armijo backtracking with quadratic, then cubic, interpolation (Nocedal & Wright, §3.5), from a
 * first trial step of 0.99 and sufficient-decrease constant 1e-4; no step found gives 0.
 */
function armijo(
  phi: (t: number) => number,
  phi0: number,
  derphi0: number,
): { tau: number; value: number } {
  const c1 = 1e-4;
  const ok = (t: number, v: number) => v <= phi0 + c1 * t * derphi0;
  let a0 = 0.99;
  let phiA0 = phi(a0);
  if (ok(a0, phiA0)) return { tau: clip01(a0), value: phiA0 };
  let a1 = -derphi0 * a0 * a0 / 2 / (phiA0 - phi0 - derphi0 * a0);
  let phiA1 = phi(a1);
  if (ok(a1, phiA1)) return { tau: clip01(a1), value: phiA1 };
  while (a1 > 0) {
    const factor = a0 * a0 * a1 * a1 * (a1 - a0);
    const r1 = phiA1 - phi0 - derphi0 * a1, r0 = phiA0 - phi0 - derphi0 * a0;
    const ca = (a0 * a0 * r1 - a1 * a1 * r0) / factor;
    const cb = (-a0 * a0 * a0 * r1 + a1 * a1 * a1 * r0) / factor;
    let a2 = (-cb + Math.sqrt(Math.abs(cb * cb - 3 * ca * derphi0))) / (3 * ca);
    const phiA2 = phi(a2);
    if (ok(a2, phiA2)) return { tau: clip01(a2), value: phiA2 };
    if (a1 - a2 > a1 / 2 || 1 - a2 / a1 < 0.96) a2 = a1 / 2;
    a0 = a1;
    a1 = a2;
    phiA0 = phiA1;
    phiA1 = phiA2;
  }
  return { tau: 0, value: phi0 };
}

function clip01(t: number): number {
  return Math.min(1, Math.max(0, t));
}
