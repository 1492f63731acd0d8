import assert from "node:assert/strict";
import { fgwObjective, fusedGromovWasserstein } from "./fgw.ts";
import { sqeuclideanCdist } from "./cost.ts";
import { fgwSurrogate } from "./surrogate.ts";
import {
  fromNested,
  marginals,
  maxAbsDiff,
  pot,
  randomMatrix,
  randomWeights,
  rng,
  toNested,
} from "./test_util.ts";
import type { Matrix } from "../../../harness/types.ts";
import { InputError, OptionError } from "../../../harness/errors.ts";
import { uniform } from "./validate.ts";

function problem(n: number, m: number, seed: number) {
  const X = randomMatrix(n, 3, seed), Y = randomMatrix(m, 3, seed + 50);
  return {
    M: sqeuclideanCdist(X, Y),
    C1: sqeuclideanCdist(X, X),
    C2: sqeuclideanCdist(Y, Y),
    p: randomWeights(n, seed + 1),
    q: randomWeights(m, seed + 2),
  };
}

/** The FGW objective by its definition, O(n²m²). */
function bruteForce(M: Matrix, C1: Matrix, C2: Matrix, T: Matrix, alpha: number): number {
  const ns = M.rows, nt = M.cols;
  let lin = 0, quad = 0;
  for (let i = 0; i < ns; i++) {
    for (let j = 0; j < nt; j++) {
      lin += M.data[i * nt + j] * T.data[i * nt + j];
      for (let k = 0; k < ns; k++) {
        for (let l = 0; l < nt; l++) {
          const d = C1.data[i * ns + k] - C2.data[j * nt + l];
          quad += d * d * T.data[i * nt + j] * T.data[k * nt + l];
        }
      }
    }
  }
  return (1 - alpha) * lin + alpha * quad;
}

Deno.test("fgwObjective equals the quadruple sum of the definition", () => {
  const { M, C1, C2 } = problem(6, 7, 3);
  const r = rng(4);
  const T = { rows: 6, cols: 7, data: new Float64Array(42).map(() => r()) }; // any T, even unbalanced
  for (const alpha of [0, 0.3, 1]) {
    const want = bruteForce(M, C1, C2, T, alpha);
    assert.ok(Math.abs(fgwObjective(M, C1, C2, T, alpha) - want) < 1e-12 * Math.abs(want));
  }
});

// (n, m, seed, alpha, armijo)
const CASES: [number, number, number, number, boolean][] = [
  [10, 12, 1, 0.5, false],
  [30, 25, 2, 0.3, false],
  [40, 40, 3, 0.9, false],
  [50, 45, 4, 0.5, true],
  [20, 20, 5, 1.0, false],
  [25, 30, 6, 0.0, false],
];

Deno.test("FGW matches POT 0.8.2 fused_gromov_wasserstein(2): value 1e-9 relative, plan 1e-9, same steps", async () => {
  const problems = CASES.map(([n, m, seed]) => problem(n, m, seed));
  const ref = await pot(problems.map((P, k) => ({
    op: "fgw",
    M: toNested(P.M),
    C1: toNested(P.C1),
    C2: toNested(P.C2),
    p: Array.from(P.p),
    q: Array.from(P.q),
    alpha: CASES[k][3],
    armijo: CASES[k][4],
  })));
  for (const [k, P] of problems.entries()) {
    const [, , , alpha, armijo] = CASES[k];
    const r = fusedGromovWasserstein(P.M, P.C1, P.C2, P.p, P.q, { alpha, armijo });
    const value = ref[k].value as number;
    assert.ok(
      Math.abs(r.value - value) <= 1e-9 * Math.abs(value),
      `case ${k}: ${r.value} vs ${value}`,
    );
    const d = maxAbsDiff(r.plan.data, fromNested(ref[k].plan as number[][]).data);
    assert.ok(d < 1e-9, `case ${k}: plan differs by ${d}`);
    assert.equal(r.iterations, ref[k].iterations, `case ${k}: steps`);
    assert.ok(r.innerConverged);
    const mg = marginals(r.plan);
    assert.ok(maxAbsDiff(mg.rows, P.p) < 1e-12 && maxAbsDiff(mg.cols, P.q) < 1e-12);
    assert.ok(
      Math.abs(fgwObjective(P.M, P.C1, P.C2, r.plan, alpha) - r.value) < 1e-9 * Math.abs(value),
    );
  }
});

/** Y = X with rows permuted: Y[j] = X[perm[j]]; returns X, Y and perm's inverse. */
function permuted(n: number, seed: number) {
  const X = randomMatrix(n, 5, seed), r = rng(seed + 7);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const Y = { rows: n, cols: 5, data: new Float64Array(n * 5) };
  perm.forEach((p, j) => Y.data.set(X.data.subarray(p * 5, p * 5 + 5), j * 5));
  const inv = new Array<number>(n);
  perm.forEach((p, j) => inv[p] = j);
  return { X, Y, inv };
}

function argmaxRows(T: Matrix): number[] {
  const out: number[] = [];
  for (let i = 0; i < T.rows; i++) {
    let best = 0;
    for (let j = 1; j < T.cols; j++) {
      if (T.data[i * T.cols + j] > T.data[i * T.cols + best]) best = j;
    }
    out.push(best);
  }
  return out;
}

Deno.test("FGW recovers a permutation; the paper surrogate's structure term does not", () => {
  for (const seed of [1, 2]) {
    const n = 30;
    const { X, Y, inv } = permuted(n, seed);
    const M = sqeuclideanCdist(X, Y), C1 = sqeuclideanCdist(X, X), C2 = sqeuclideanCdist(Y, Y);
    for (const alpha of [0.5, 1]) {
      // alpha = 1 is pure Gromov–Wasserstein: only the structure can reveal the permutation.
      const r = fusedGromovWasserstein(M, C1, C2, uniform(n), uniform(n), { alpha });
      assert.deepEqual(argmaxRows(r.plan), inv);
      assert.ok(Math.abs(r.value) < 1e-10);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(r.plan.data[i * n + inv[i]] - 1 / n) < 1e-12);
    }
    // The surrogate compares rows of C1 and C2 index by index: structure alone (alpha = 1) pairs
    // a permuted copy at chance level, though it pairs an unpermuted copy perfectly.
    const top1 = (s: ReturnType<typeof fgwSurrogate>) =>
      Array.from({ length: n }, (_, i) => s.indices[s.indptr[i]]);
    const acc = (got: number[], want: number[]) => got.filter((j, i) => j === want[i]).length / n;
    assert.ok(acc(top1(fgwSurrogate(X, Y, { alpha: 1 })), inv) <= 0.2);
    assert.equal(acc(top1(fgwSurrogate(X, X, { alpha: 1 })), inv.map((_, i) => i)), 1);
    // With the feature term (the paper's alpha = 0.5) exact copies are still found.
    assert.equal(acc(top1(fgwSurrogate(X, Y)), inv), 1);
  }
});

Deno.test("FGW with the entropic inner solver: close to exact, marginals kept", () => {
  const P = problem(40, 35, 9);
  const exact = fusedGromovWasserstein(P.M, P.C1, P.C2, P.p, P.q, { alpha: 0.5 });
  const ent = fusedGromovWasserstein(P.M, P.C1, P.C2, P.p, P.q, { alpha: 0.5, inner: "sinkhorn" });
  const mg = marginals(ent.plan);
  // Columns: within what 1000 Sinkhorn iterations reach at ε = 0.01 (measured ~7e-6).
  assert.ok(maxAbsDiff(mg.rows, P.p) < 1e-12 && maxAbsDiff(mg.cols, P.q) < 1e-4);
  // Its value is the true objective of an (approximately) feasible plan: near the exact local optimum.
  assert.ok(Math.abs(ent.value - fgwObjective(P.M, P.C1, P.C2, ent.plan, 0.5)) < 1e-12);
  assert.ok(
    Math.abs(ent.value - exact.value) < 0.01 * exact.value,
    `${ent.value} vs ${exact.value}`,
  );
});

Deno.test("FGW validates its inputs", () => {
  const P = problem(5, 6, 1);
  assert.throws(() => fusedGromovWasserstein(P.M, P.C2, P.C1, P.p, P.q), InputError);
  assert.throws(() => fusedGromovWasserstein(P.M, P.C1, P.C2, P.p, P.q, { alpha: 2 }), OptionError);
  const G0 = { rows: 5, cols: 6, data: new Float64Array(30).fill(1 / 30) };
  assert.throws(() => fusedGromovWasserstein(P.M, P.C1, P.C2, P.p, P.q, { G0 }), /G0/);
  // A valid G0 is used as the starting point (p qᵀ reproduces the default run).
  const pq = {
    rows: 5,
    cols: 6,
    data: new Float64Array(30).map((_, e) => P.p[Math.floor(e / 6)] * P.q[e % 6]),
  };
  const a = fusedGromovWasserstein(P.M, P.C1, P.C2, P.p, P.q, { G0: pq });
  const b = fusedGromovWasserstein(P.M, P.C1, P.C2, P.p, P.q);
  assert.ok(Math.abs(a.value - b.value) <= 1e-12 * b.value);
  // A pivot limit too small for the inner EMD is reported, not hidden.
  assert.equal(
    fusedGromovWasserstein(P.M, P.C1, P.C2, P.p, P.q, { emdMaxIter: 2 }).innerConverged,
    false,
  );
});
