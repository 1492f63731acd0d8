import assert from "node:assert/strict";
import { emd, emd2, networkSimplex } from "./emd.ts";
import { sqeuclideanCdist } from "./cost.ts";
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
import { InputError } from "../../../harness/errors.ts";
import { uniform } from "./validate.ts";

function cloudCost(n: number, m: number, seed: number): Matrix {
  return sqeuclideanCdist(randomMatrix(n, 3, seed), randomMatrix(m, 3, seed + 1));
}

function nonZeros(m: Matrix): number {
  return m.data.reduce((c, x) => c + (x !== 0 ? 1 : 0), 0);
}

Deno.test("emd solves hand-checkable cases", () => {
  const M = { rows: 2, cols: 2, data: new Float64Array([0, 1, 1, 0]) };
  assert.deepEqual(Array.from(emd(uniform(2), uniform(2), M).data), [0.5, 0, 0, 0.5]);
  // Moving mass 1/3 between points on a line: cost |i − j|, monotone (north-west) coupling.
  const L = { rows: 3, cols: 3, data: new Float64Array([0, 1, 2, 1, 0, 1, 2, 1, 0]) };
  const a = new Float64Array([0.5, 0.5, 0]), b = new Float64Array([0, 0.5, 0.5]);
  const r = networkSimplex(a, b, L);
  assert.ok(Math.abs(r.cost - 1) < 1e-15); // 0.5·1 + 0.5·1
  assert.ok(r.optimal);
  // A permutation cost: the optimal plan is the permutation itself, the cost its sum.
  const n = 6, perm = [3, 0, 5, 1, 4, 2];
  const P = new Float64Array(n * n).fill(5);
  for (let i = 0; i < n; i++) P[i * n + perm[i]] = i / 10;
  const pr = networkSimplex(uniform(n), uniform(n), { rows: n, cols: n, data: P });
  for (let i = 0; i < n; i++) assert.ok(Math.abs(pr.plan.data[i * n + perm[i]] - 1 / n) < 1e-15);
  assert.ok(Math.abs(pr.cost - 1.5 / n) < 1e-15);
});

Deno.test("emd matches POT 0.8.2 ot.emd / ot.emd2: cost to 1e-9, plan, marginals, sparsity", async () => {
  const cases: { a: Float64Array; b: Float64Array; M: Matrix; unique: boolean }[] = [];
  for (const [k, [n, m]] of [[5, 7], [20, 20], [40, 33], [60, 60], [1, 9]].entries()) {
    cases.push({
      a: randomWeights(n, 10 + k),
      b: randomWeights(m, 20 + k),
      M: cloudCost(n, m, k),
      unique: true,
    });
  }
  // Uniform weights (assignment-like, degenerate bases) and zero weights, which POT drops.
  cases.push({ a: uniform(50), b: uniform(50), M: cloudCost(50, 50, 7), unique: true });
  const az = randomWeights(12, 3), bz = randomWeights(15, 4);
  az[2] = 0, az[7] = 0, bz[0] = 0;
  const sa = az.reduce((s, x) => s + x, 0), sb = bz.reduce((s, x) => s + x, 0);
  cases.push({
    a: az.map((x) => x / sa),
    b: bz.map((x) => x / sb),
    M: cloudCost(12, 15, 8),
    unique: true,
  });
  // Integer costs with many ties: optimal plans are not unique, only the cost is compared.
  const r = rng(5);
  const T = { rows: 30, cols: 30, data: new Float64Array(900).map(() => Math.floor(r() * 4)) };
  cases.push({ a: uniform(30), b: uniform(30), M: T, unique: false });

  const ref = await pot(
    cases.map(({ a, b, M }) => ({ op: "emd", a: Array.from(a), b: Array.from(b), M: toNested(M) })),
  );
  for (const [k, { a, b, M, unique }] of cases.entries()) {
    const mine = networkSimplex(a, b, M);
    assert.ok(mine.optimal, `case ${k}`);
    assert.equal(ref[k].code, 1, `POT optimal in case ${k}`);
    const cost = ref[k].emd2 as number;
    assert.ok(
      Math.abs(mine.cost - cost) <= 1e-9 * Math.max(1, Math.abs(cost)),
      `case ${k}: ${mine.cost} vs ${cost}`,
    );
    assert.ok(Math.abs(emd2(a, b, M) - mine.cost) === 0);
    const mg = marginals(mine.plan);
    assert.ok(
      maxAbsDiff(mg.rows, a) < 1e-12 && maxAbsDiff(mg.cols, b) < 1e-12,
      `case ${k}: marginals`,
    );
    assert.ok(mine.plan.data.every((x) => x >= 0));
    assert.ok(nonZeros(mine.plan) <= M.rows + M.cols - 1, `case ${k}: a basic solution`);
    if (unique) {
      const d = maxAbsDiff(mine.plan.data, fromNested(ref[k].plan as number[][]).data);
      assert.ok(d < 1e-9, `case ${k}: plan differs from POT by ${d}`);
    }
  }
});

Deno.test("emd reports a pivot limit and rejects bad inputs", () => {
  const M = cloudCost(30, 30, 1);
  const r = networkSimplex(uniform(30), uniform(30), M, { maxIter: 5 });
  assert.equal(r.optimal, false);
  assert.equal(r.iterations, 5);
  assert.throws(() => emd(uniform(30), new Float64Array(30).fill(0.5 / 30), M), InputError);
  assert.throws(() => emd(uniform(29), uniform(30), M), InputError);
  assert.throws(() => emd(uniform(30), new Float64Array(30), M), /sum to zero/);
});

Deno.test("emd agrees with POT on 40 random degenerate problems (tied integer costs, uniform masses)", async () => {
  const cases: { a: Float64Array; b: Float64Array; M: Matrix }[] = [];
  const r = rng(99);
  for (let k = 0; k < 40; k++) {
    const n = 2 + Math.floor(r() * 59),
      m = 2 + Math.floor(r() * 59),
      levels = 1 + Math.floor(r() * 5);
    const M = {
      rows: n,
      cols: m,
      data: new Float64Array(n * m).map(() => Math.floor(r() * levels)),
    };
    cases.push({ a: k % 2 ? uniform(n) : randomWeights(n, k), b: uniform(m), M });
  }
  const ref = await pot(
    cases.map(({ a, b, M }) => ({ op: "emd", a: Array.from(a), b: Array.from(b), M: toNested(M) })),
  );
  for (const [k, { a, b, M }] of cases.entries()) {
    const mine = networkSimplex(a, b, M);
    assert.ok(mine.optimal);
    assert.ok(Math.abs(mine.cost - (ref[k].emd2 as number)) <= 1e-12, `case ${k}`);
    const mg = marginals(mine.plan);
    assert.ok(maxAbsDiff(mg.rows, a) < 1e-12 && maxAbsDiff(mg.cols, b) < 1e-12);
  }
});
