/**
 * Cost and similarity matrices between descriptor sets: squared Euclidean distances (the matching
 * cost) and cosine similarities (the candidate-pool filter), accumulated in float64.
 * @module
 */
import type { Matrix } from "../../../harness/types.ts";
import { InputError } from "../../../harness/errors.ts";
import { sparseFromLists, type SparsePairs, topKIndices } from "./sparse.ts";
import { dotAt, sqDiffSum } from "./linalg.ts";

/** Row-major descriptors, one row per item. */
export interface FeatureMatrix {
  /** Number of items. */
  readonly rows: number;
  /** Descriptor length. */
  readonly cols: number;
  /** `rows × cols` values, row-major. */
  readonly data: Float32Array | Float64Array;
}

/**
 * Packs per-item descriptors (an `Embedder`'s output) into one row-major matrix.
 * @param where names the descriptor set in error messages
 */
export function featureMatrix(rows: readonly Float32Array[], where = "features"): FeatureMatrix {
  if (rows.length === 0) throw new InputError(where, "no descriptors");
  const d = rows[0].length;
  const data = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    if (r.length !== d) {
      throw new InputError(where, `descriptor ${i} has length ${r.length}, not ${d}`);
    }
    data.set(r, i * d);
  });
  return { rows: rows.length, cols: d, data };
}

/** Throws unless `X` is a well-formed matrix of finite values. */
export function checkFeatures(where: string, X: FeatureMatrix) {
  if (!(X.rows >= 1 && X.cols >= 1) || X.data.length !== X.rows * X.cols) {
    throw new InputError(where, `bad shape ${X.rows}×${X.cols} for ${X.data.length} values`);
  }
  for (let i = 0; i < X.data.length; i++) {
    if (!Number.isFinite(X.data[i])) {
      throw new InputError(where, `non-finite value at row ${Math.floor(i / X.cols)}`);
    }
  }
}

/**
 * Squared Euclidean distances `D[i,j] = ||X_i − Y_j||²` (differences, not the norm expansion, so
 * near-duplicates get exact small distances).
 * @example
 * ```ts
 * const X = { rows: 2, cols: 1, data: new Float32Array([0, 3]) };
 * sqeuclideanCdist(X, X).data; // [0, 9, 9, 0]
 * ```
 */
export function sqeuclideanCdist(X: FeatureMatrix, Y: FeatureMatrix): Matrix {
  if (X.cols !== Y.cols) {
    throw new InputError(
      "sqeuclideanCdist(Y)",
      `descriptor length ${Y.cols} differs from ${X.cols}`,
    );
  }
  checkFeatures("sqeuclideanCdist(X)", X);
  if (Y !== X) checkFeatures("sqeuclideanCdist(Y)", Y);
  const n = X.rows, m = Y.rows, d = X.cols;
  const x = Float64Array.from(X.data), y = X === Y ? x : Float64Array.from(Y.data);
  const out = new Float64Array(n * m);
  const symmetric = X === Y;
  for (let i = 0; i < n; i++) {
    // Within one set only the upper triangle is computed; the diagonal is exactly zero.
    for (let j = symmetric ? i + 1 : 0; j < m; j++) {
      const s = sqDiffSum(x, i * d, y, j * d, d);
      out[i * m + j] = s;
      if (symmetric) out[j * m + i] = s;
    }
  }
  return { rows: n, cols: m, data: out };
}

/** Cosine similarities `X_i·Y_j / (|X_i| |Y_j|)`; a zero vector has similarity 0 to everything. */
export function cosineSimilarity(X: FeatureMatrix, Y: FeatureMatrix): Matrix {
  if (X.cols !== Y.cols) {
    throw new InputError(
      "cosineSimilarity(Y)",
      `descriptor length ${Y.cols} differs from ${X.cols}`,
    );
  }
  const xn = normalizeRows(X), yn = normalizeRows(Y);
  const n = X.rows, m = Y.rows, d = X.cols;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) out[i * m + j] = dotAt(xn, i * d, yn, j * d, d);
  }
  return { rows: n, cols: m, data: out };
}

/**
 * For each row of `X`, the `k` rows of `Y` with the highest cosine similarity (best first), with
 * the similarity as weight.
 */
export function cosineTopK(X: FeatureMatrix, Y: FeatureMatrix, k: number): SparsePairs {
  const S = cosineSimilarity(X, Y);
  const lists: [number, number][][] = [];
  for (let i = 0; i < S.rows; i++) {
    const row = S.data.subarray(i * S.cols, (i + 1) * S.cols);
    lists.push(topKIndices(row, k).map((j) => [j, row[j]]));
  }
  return sparseFromLists(lists, Y.rows);
}

function normalizeRows(X: FeatureMatrix): Float64Array {
  const d = X.cols;
  const out = Float64Array.from(X.data);
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += out[i * d + k] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < d; k++) out[i * d + k] *= inv;
  }
  return out;
}
