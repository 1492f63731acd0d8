/**
 * Dense cost helpers for the pairing: squared-L2 distance matrices between descriptor sets and
 * the normalisations the paper applies to them.
 * @module
 */
import type { Matrix } from "../../../harness/types.ts";

/** `M[i,j] = ‖x_i − y_j‖²` (float64). */
export function sqDistances(x: readonly Float32Array[], y: readonly Float32Array[]): Matrix {
  const n = x.length, m = y.length;
  const data = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const a = x[i];
    for (let j = 0; j < m; j++) {
      const b = y[j];
      let s = 0;
      for (let k = 0; k < a.length; k++) {
        const d = a[k] - b[k];
        s += d * d;
      }
      data[i * m + j] = s;
    }
  }
  return { rows: n, cols: m, data };
}

/** Divides every entry by the matrix mean (no-op for an all-zero matrix). */
export function divideByMean(m: Matrix): Matrix {
  let s = 0;
  for (const v of m.data) s += v;
  const mean = s / m.data.length;
  const data = mean > 0 ? m.data.map((v) => v / mean) : m.data.slice();
  return { rows: m.rows, cols: m.cols, data };
}

/** Divides each row by its own mean (rows of zeros stay zero). */
export function divideRowsByMean(m: Matrix): Matrix {
  const data = m.data.slice();
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += data[i * m.cols + j];
    const mean = s / m.cols;
    if (mean > 0) { for (let j = 0; j < m.cols; j++) data[i * m.cols + j] /= mean; }
  }
  return { rows: m.rows, cols: m.cols, data };
}

/** Divides each row by its sum (rows of zeros stay zero). */
export function rowNormalise(m: Matrix): Matrix {
  const data = m.data.slice();
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += data[i * m.cols + j];
    if (s > 0) { for (let j = 0; j < m.cols; j++) data[i * m.cols + j] /= s; }
  }
  return { rows: m.rows, cols: m.cols, data };
}

/** Uniform marginal of length n. */
export function uniform(n: number): Float64Array {
  return new Float64Array(n).fill(1 / n);
}
