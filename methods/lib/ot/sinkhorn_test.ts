import assert from "node:assert/strict";
import { sinkhorn, sinkhornDetailed } from "./sinkhorn.ts";
import { sqeuclideanCdist } from "./cost.ts";
import {
  fromNested,
  marginals,
  maxAbs,
  maxAbsDiff,
  pot,
  randomMatrix,
  randomWeights,
  toNested,
} from "./test_util.ts";
import type { Matrix } from "../../../harness/types.ts";
import { InputError, OptionError } from "../../../harness/errors.ts";
import { uniform } from "./validate.ts";

/** Squared distances between random point clouds, divided by their mean (the paper's scale). */
function normalisedCost(n: number, m: number, seed: number): Matrix {
  const M = sqeuclideanCdist(randomMatrix(n, 4, seed), randomMatrix(m, 4, seed + 1));
  let s = 0;
  for (const x of M.data) s += x;
  const mean = s / M.data.length;
  return { rows: n, cols: m, data: M.data.map((x) => x / mean) };
}

Deno.test("sinkhorn reproduces POT's documented 2×2 example", () => {
  const M = { rows: 2, cols: 2, data: new Float64Array([0, 1, 1, 0]) };
  const a = new Float64Array([0.5, 0.5]);
  const plan = sinkhorn(a, a, M, 1);
  // ot.sinkhorn docstring: [[0.36552929, 0.13447071], [0.13447071, 0.36552929]]
  assert.ok(maxAbsDiff(plan.data, [0.36552929, 0.13447071, 0.13447071, 0.36552929]) < 5e-9);
  // Closed form for this case: the diagonal is e/(2(1+e)).
  assert.ok(Math.abs(plan.data[0] - Math.E / (2 * (1 + Math.E))) < 1e-12);
});

// (n, m, reg, method); reg 0.05 on a mean-normalised cost is the bench setting.
const CASES: [number, number, number, "sinkhorn" | "log", number][] = [
  [7, 5, 1, "sinkhorn", 1000],
  [30, 40, 0.1, "sinkhorn", 1000],
  [60, 60, 0.05, "sinkhorn", 1000],
  [25, 35, 0.5, "log", 1000],
  [60, 50, 0.05, "log", 1000],
  [40, 40, 0.005, "log", 20000], // exp(−M/reg) underflows here in the scaling form
  [30, 30, 0.002, "sinkhorn", 1000], // tiny reg: neither converges in 1000 iterations
  // log form stopped by the iteration bound long before convergence (47: not a multiple of the
  // 10-iteration error check), so the plan depends on exactly how many updates ran
  [30, 30, 0.002, "log", 47],
];

Deno.test("sinkhorn and sinkhorn_log plans match POT 0.8.2 (relative 1e-8) with equal iteration counts", async () => {
  const requests = [], mine = [];
  for (const [k, [n, m, reg, method, maxIter]] of CASES.entries()) {
    const M = normalisedCost(n, m, 10 + k);
    const a = randomWeights(n, 100 + k), b = randomWeights(m, 200 + k);
    requests.push({
      op: "sinkhorn",
      a: Array.from(a),
      b: Array.from(b),
      M: toNested(M),
      reg,
      method,
      maxIter,
    });
    mine.push({ r: sinkhornDetailed(a, b, M, reg, { method, maxIter }), a, b });
  }
  const ref = await pot(requests);
  for (const [k, { r, a, b }] of mine.entries()) {
    const expected = fromNested(ref[k].plan as number[][]);
    const rel = maxAbsDiff(r.plan.data, expected.data) / maxAbs(expected.data);
    assert.ok(rel < 1e-8, `case ${k} ${CASES[k]}: relative plan error ${rel}`);
    assert.equal(r.iterations, ref[k].niter, `case ${k}: iterations`);
    const mg = marginals(r.plan);
    // The last update fits the rows exactly; the columns are within the stopping tolerance.
    if (r.converged) {
      assert.ok(maxAbsDiff(mg.rows, a) < 1e-12, `case ${k}: row marginal`);
      assert.ok(maxAbsDiff(mg.cols, b) < 1e-9, `case ${k}: column marginal`);
    }
  }
  assert.deepEqual(mine.map(({ r }) => r.converged), [
    true,
    true,
    true,
    true,
    true,
    true,
    false,
    false,
  ]);
});

Deno.test("the log form survives a kernel that underflows to zero (closed form)", () => {
  // exp(−10/0.01) = 0 in float64 for every entry; shifting the cost by a constant must not change
  // the plan, whose diagonal is 1 / (2 (1 + e^(−1/reg))).
  const M = { rows: 2, cols: 2, data: new Float64Array([10, 11, 11, 10]) };
  const a = uniform(2);
  const plan = sinkhorn(a, a, M, 0.01, { method: "log" });
  const diag = 1 / (2 * (1 + Math.exp(-100)));
  // Rounding of exp(−1000 + u + v) with |u|, |v| ≈ 500 leaves ~1e-14.
  assert.ok(maxAbsDiff(plan.data, [diag, 0.5 - diag, 0.5 - diag, diag]) < 1e-12);
  const scaled = sinkhornDetailed(a, a, M, 0.01);
  assert.ok(!scaled.converged);
  assert.ok(plan.data.every(Number.isFinite));
});

Deno.test("sinkhorn rejects bad inputs with typed errors", () => {
  const M = { rows: 2, cols: 3, data: new Float64Array(6) };
  assert.throws(() => sinkhorn(uniform(2), uniform(2), M, 1), InputError);
  assert.throws(() => sinkhorn(uniform(2), uniform(3), M, 0), OptionError);
  assert.throws(() => sinkhorn(new Float64Array([1, -1]), uniform(3), M, 1), InputError);
  const bad = { rows: 2, cols: 3, data: new Float64Array([0, 1, NaN, 0, 0, 0]) };
  assert.throws(() => sinkhorn(uniform(2), uniform(3), bad, 1), /non-finite/);
  const method = "nope" as unknown as "log";
  assert.throws(() => sinkhorn(uniform(2), uniform(3), M, 1, { method }), OptionError);
});
