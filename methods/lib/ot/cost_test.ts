import assert from "node:assert/strict";
import { cosineSimilarity, cosineTopK, featureMatrix, sqeuclideanCdist } from "./cost.ts";
import { pairsOf, topKIndices } from "./sparse.ts";
import { maxAbsDiff, pot, randomMatrix, toNested } from "./test_util.ts";
import { InputError } from "../../../harness/errors.ts";

Deno.test("sqeuclideanCdist and cosineSimilarity match scipy cdist / NumPy", async () => {
  const X = randomMatrix(17, 9, 1), Y = randomMatrix(23, 9, 2);
  const Xf = { rows: 17, cols: 9, data: Float32Array.from(X.data) };
  const Yf = { rows: 23, cols: 9, data: Float32Array.from(Y.data) };
  // The float32 values, widened exactly, are what both sides see.
  const [ref] = await pot([{
    op: "cdist",
    X: toNested({ rows: 17, cols: 9, data: Float64Array.from(Xf.data) }),
    Y: toNested({ rows: 23, cols: 9, data: Float64Array.from(Yf.data) }),
  }]);
  const sq = (ref.sq as number[][]).flat(), cos = (ref.cos as number[][]).flat();
  assert.ok(maxAbsDiff(sqeuclideanCdist(Xf, Yf).data, sq) < 1e-12);
  assert.ok(maxAbsDiff(cosineSimilarity(Xf, Yf).data, cos) < 1e-14);
  // Top-3 by cosine similarity, best first.
  const top = cosineTopK(Xf, Yf, 3);
  for (let i = 0; i < 17; i++) {
    const row = cos.slice(i * 23, (i + 1) * 23);
    const want = row.map((s, j) => [j, s]).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([j]) => j);
    assert.deepEqual(pairsOf(top, i).map(([j]) => j), want);
  }
});

Deno.test("hand-checked distances, top-k ties and errors", () => {
  const X = featureMatrix([new Float32Array([0, 0]), new Float32Array([3, 4])]);
  assert.deepEqual(Array.from(sqeuclideanCdist(X, X).data), [0, 25, 25, 0]);
  const Z = featureMatrix([new Float32Array([0, 0]), new Float32Array([1, 0])]);
  assert.deepEqual(Array.from(cosineSimilarity(Z, Z).data), [0, 0, 0, 1]); // zero vector: 0
  assert.deepEqual(topKIndices([1, 3, 3, 2], 2), [1, 2]); // ties: lower index first
  assert.deepEqual(topKIndices([5, 1], 4), [0, 1]);
  assert.deepEqual(topKIndices([0.5, 2, -1, 7, 2], 3), [3, 1, 4]);
  assert.throws(() => featureMatrix([new Float32Array(2), new Float32Array(3)], "src"), InputError);
  assert.throws(() => featureMatrix([]), /no descriptors/);
  assert.throws(() => sqeuclideanCdist(X, featureMatrix([new Float32Array(3)])), InputError);
});
