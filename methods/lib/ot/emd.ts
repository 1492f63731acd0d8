/**
 * Exact optimal transport (the "earth mover's" linear program) by the primal network simplex on
 * the complete bipartite graph, with POT's `ot.emd` conventions: `b` is rescaled to the mass of
 * `a`, zero-weight rows and columns carry no flow, and at most `maxIter` pivots are made.
 *
 * The spanning tree starts from big-M artificial arcs to an extra root (strongly feasible), the
 * entering arc is the most negative reduced cost within a block of ~√(arcs) arcs, and the
 * leaving arc follows Cunningham's rule, which rules out cycling on degenerate pivots.
 * @module
 */
import type { Matrix } from "../../../harness/types.ts";
import { InputError } from "../../../harness/errors.ts";
import { checkInteger, checkMatrix, checkWeights } from "./validate.ts";

/** Options of {@link emd}. */
export interface EmdOptions {
  /** Maximum number of simplex pivots (POT `numItermax`). Default 100000. */
  maxIter?: number;
}

/** An exact transport plan and its diagnostics. */
export interface EmdResult {
  /** Optimal plan, `a.length × b.length`; at most `n + m − 1` non-zeros. */
  plan: Matrix;
  /** `<M, plan>`. */
  cost: number;
  /** Pivots made. */
  iterations: number;
  /** False when `maxIter` stopped the solver before optimality (POT warns in that case). */
  optimal: boolean;
}

/**
 * Optimal plan of the exact OT problem `min <M, T>` s.t. `T 1 = a`, `Tᵀ 1 = b`, `T ≥ 0`.
 *
 * @example
 * ```ts
 * const M = { rows: 2, cols: 2, data: new Float64Array([0, 1, 1, 0]) };
 * const a = new Float64Array([0.5, 0.5]);
 * emd(a, a, M).data; // [0.5, 0, 0, 0.5]
 * ```
 */
export function emd(a: Float64Array, b: Float64Array, M: Matrix, opts: EmdOptions = {}): Matrix {
  return networkSimplex(a, b, M, opts).plan;
}

/** Optimal cost `<M, T*>` of the exact OT problem (POT `ot.emd2`). */
export function emd2(a: Float64Array, b: Float64Array, M: Matrix, opts: EmdOptions = {}): number {
  return networkSimplex(a, b, M, opts).cost;
}

/** {@link emd} with the cost, pivot count and optimality flag. */
export function networkSimplex(
  a: Float64Array,
  b: Float64Array,
  M: Matrix,
  opts: EmdOptions = {},
): EmdResult {
  const maxIter = opts.maxIter ?? 100000;
  checkMatrix("emd", "M", M);
  const sumA = checkWeights("emd", "a", a, M.rows);
  const sumB = checkWeights("emd", "b", b, M.cols);
  checkInteger("maxIter", maxIter, 1);
  if (Math.abs(sumA - sumB) > 1e-7 * Math.max(1, sumA)) {
    throw new InputError("emd(a, b)", `masses differ: ${sumA} vs ${sumB}`);
  }
  const n0 = M.rows, m0 = M.cols;
  const rowIdx: number[] = [], colIdx: number[] = [];
  for (let i = 0; i < n0; i++) if (a[i] > 0) rowIdx.push(i);
  for (let j = 0; j < m0; j++) if (b[j] > 0) colIdx.push(j);
  const n = rowIdx.length, m = colIdx.length;
  let C = M.data;
  if (n !== n0 || m !== m0) {
    C = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) C[i * m + j] = M.data[rowIdx[i] * m0 + colIdx[j]];
    }
  }
  const supply = new Float64Array(n), demand = new Float64Array(m);
  for (let i = 0; i < n; i++) supply[i] = a[rowIdx[i]];
  const scale = sumA / sumB;
  for (let j = 0; j < m; j++) demand[j] = b[colIdx[j]] * scale;

  const solved = solveTree(C, n, m, supply, demand, maxIter);
  const plan = new Float64Array(n0 * m0);
  let cost = 0;
  for (let k = 0; k < solved.arcs.length; k++) {
    const e = solved.arcs[k], f = solved.flows[k];
    const i = Math.floor(e / m), j = e - i * m;
    plan[rowIdx[i] * m0 + colIdx[j]] += f;
    cost += f * C[e];
  }
  return {
    plan: { rows: n0, cols: m0, data: plan },
    cost,
    iterations: solved.iterations,
    optimal: solved.optimal,
  };
}

interface TreeSolution {
  arcs: number[];
  flows: number[];
  iterations: number;
  optimal: boolean;
}

/**
 * Network simplex on sources `0..n−1`, sinks `n..n+m−1` and a root `n+m`. Real arc `e = i·m + j`
 * goes from source `i` to sink `n + j`. Every node stores the tree arc to its parent: its id
 * (−1 for the artificial arc to the root), whether it points up (node → parent) and its flow.
 */
function solveTree(
  C: Float64Array,
  n: number,
  m: number,
  supply: Float64Array,
  demand: Float64Array,
  maxIter: number,
): TreeSolution {
  const N = n + m + 1, root = n + m, arcCount = n * m;
  let maxC = 0;
  for (let e = 0; e < arcCount; e++) maxC = Math.max(maxC, Math.abs(C[e]));
  // Big enough that no optimal basis keeps flow on an artificial arc.
  const ART = (maxC + 1) * N;
  // Reduced costs below −eps enter; eps sits above the rounding noise of potentials of size ART.
  const eps = ART * 1e-14;

  const parent = new Int32Array(N), pred = new Int32Array(N), up = new Uint8Array(N);
  const flow = new Float64Array(N), pi = new Float64Array(N), depth = new Int32Array(N);
  const firstChild = new Int32Array(N).fill(-1);
  const nextSib = new Int32Array(N).fill(-1), prevSib = new Int32Array(N).fill(-1);
  const stack = new Int32Array(N);

  const attach = (w: number, p: number) => {
    parent[w] = p;
    const f = firstChild[p];
    nextSib[w] = f;
    prevSib[w] = -1;
    if (f >= 0) prevSib[f] = w;
    firstChild[p] = w;
  };
  const detach = (w: number) => {
    const p = parent[w], pv = prevSib[w], nx = nextSib[w];
    if (pv >= 0) nextSib[pv] = nx;
    else firstChild[p] = nx;
    if (nx >= 0) prevSib[nx] = pv;
  };

  parent[root] = -1;
  pred[root] = -1;
  for (let i = 0; i < n; i++) {
    // Sources push their supply up to the root; a positive flow keeps the tree strongly feasible.
    attach(i, root);
    pred[i] = -1;
    up[i] = 1;
    flow[i] = supply[i];
    pi[i] = -ART;
    depth[i] = 1;
  }
  for (let j = 0; j < m; j++) {
    const w = n + j;
    attach(w, root);
    pred[w] = -1;
    up[w] = 0;
    flow[w] = demand[j];
    pi[w] = ART;
    depth[w] = 1;
  }

  const blockSize = Math.max(10, Math.ceil(Math.sqrt(arcCount)));
  let nextI = 0, nextJ = 0;
  let iterations = 0;
  let optimal = false;

  while (true) {
    // Block search: scan arcs cyclically, pivot on the most negative reduced cost of a block.
    let best = -eps, enter = -1, inBlock = 0;
    let i = nextI, j = nextJ;
    let piI = pi[i];
    for (let scanned = 0; scanned < arcCount; scanned++) {
      const e = i * m + j;
      const rc = C[e] + piI - pi[n + j];
      if (rc < best) {
        best = rc;
        enter = e;
      }
      if (++j === m) {
        j = 0;
        if (++i === n) i = 0;
        piI = pi[i];
      }
      if (++inBlock === blockSize) {
        if (enter >= 0) break;
        inBlock = 0;
      }
    }
    nextI = i;
    nextJ = j;
    if (enter < 0) {
      optimal = true;
      break;
    }
    if (iterations >= maxIter) break;
    iterations++;

    const s = Math.floor(enter / m), t = n + (enter - s * m);
    let x = s, y = t;
    while (x !== y) {
      if (depth[x] > depth[y]) x = parent[x];
      else if (depth[y] > depth[x]) y = parent[y];
      else {
        x = parent[x];
        y = parent[y];
      }
    }
    const join = x;
    // Cunningham's rule: the last blocking arc met when walking the cycle from the join node.
    let delta = Infinity, out = -1, side = 0;
    for (let w = s; w !== join; w = parent[w]) {
      if (up[w] && flow[w] < delta) {
        delta = flow[w];
        out = w;
        side = 1;
      }
    }
    for (let w = t; w !== join; w = parent[w]) {
      if (!up[w] && flow[w] <= delta) {
        delta = flow[w];
        out = w;
        side = 2;
      }
    }
    if (delta > 0) {
      for (let w = s; w !== join; w = parent[w]) flow[w] += up[w] ? -delta : delta;
      for (let w = t; w !== join; w = parent[w]) flow[w] += up[w] ? delta : -delta;
    }
    flow[out] = 0;

    // Re-hang the subtree cut off by the leaving arc from the entering arc, reversing the stem.
    const stemStart = side === 1 ? s : t, other = side === 1 ? t : s;
    let w = stemStart, newParent = other, newArc = enter, newUp = side === 1 ? 1 : 0;
    let newFlow = delta;
    while (true) {
      const oldParent = parent[w], oldArc = pred[w], oldUp = up[w], oldFlow = flow[w];
      detach(w);
      attach(w, newParent);
      pred[w] = newArc;
      up[w] = newUp;
      flow[w] = newFlow;
      if (w === out) break;
      newParent = w;
      newArc = oldArc;
      newUp = oldUp ? 0 : 1;
      newFlow = oldFlow;
      w = oldParent;
    }
    // Potentials and depths of the moved subtree, recomputed from the parents downwards.
    let top = 0;
    stack[top++] = stemStart;
    while (top > 0) {
      const v = stack[--top], p = parent[v];
      const c = pred[v] >= 0 ? C[pred[v]] : ART;
      pi[v] = up[v] ? pi[p] - c : pi[p] + c;
      depth[v] = depth[p] + 1;
      for (let ch = firstChild[v]; ch >= 0; ch = nextSib[ch]) stack[top++] = ch;
    }
  }

  const arcs: number[] = [], flows: number[] = [];
  for (let v = 0; v < root; v++) {
    if (pred[v] >= 0 && flow[v] > 0) {
      arcs.push(pred[v]);
      flows.push(flow[v]);
    }
  }
  return { arcs, flows, iterations, optimal };
}
