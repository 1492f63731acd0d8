/**
 * The few dense kernels the OT solvers need, as plain loops over row-major float64 arrays in
 * i-k-j order (the inner loop walks contiguous memory).
 * @module
 */

/** `out = A·B` for row-major `A` (n×k) and `B` (k×m); `out` (n×m) is overwritten. */
export function matmul(
  A: Float64Array,
  B: Float64Array,
  n: number,
  k: number,
  m: number,
  out: Float64Array = new Float64Array(n * m),
): Float64Array {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const o = i * m, ai = i * k;
    let l = 0;
    // Four rows of B per pass: one load/store of the output row feeds four multiply-adds.
    for (; l + 3 < k; l += 4) {
      const x0 = A[ai + l], x1 = A[ai + l + 1], x2 = A[ai + l + 2], x3 = A[ai + l + 3];
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue;
      const r0 = l * m, r1 = r0 + m, r2 = r1 + m, r3 = r2 + m;
      for (let j = 0; j < m; j++) {
        out[o + j] += x0 * B[r0 + j] + x1 * B[r1 + j] + x2 * B[r2 + j] + x3 * B[r3 + j];
      }
    }
    for (; l < k; l++) {
      const x = A[ai + l];
      if (x === 0) continue;
      const r = l * m;
      for (let j = 0; j < m; j++) out[o + j] += x * B[r + j];
    }
  }
  return out;
}

/** Transpose of a row-major n×m array (result m×n). */
export function transpose(A: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = A[i * m + j];
  return out;
}

/** Frobenius inner product `Σ x·y`. */
export function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/**
 * `Σ_k (a[ao+k] − b[bo+k])²` over `len` entries, with four accumulators so the additions overlap
 * instead of waiting on one another.
 */
export function sqDiffSum(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  len: number,
): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    const t0 = a[ao + k] - b[bo + k], t1 = a[ao + k + 1] - b[bo + k + 1];
    const t2 = a[ao + k + 2] - b[bo + k + 2], t3 = a[ao + k + 3] - b[bo + k + 3];
    s0 += t0 * t0;
    s1 += t1 * t1;
    s2 += t2 * t2;
    s3 += t3 * t3;
  }
  for (; k < len; k++) {
    const t = a[ao + k] - b[bo + k];
    s0 += t * t;
  }
  return (s0 + s1) + (s2 + s3);
}

/** `Σ_k a[ao+k] · b[bo+k]` over `len` entries, four accumulators. */
export function dotAt(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  len: number,
): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
    s2 += a[ao + k + 2] * b[bo + k + 2];
    s3 += a[ao + k + 3] * b[bo + k + 3];
  }
  for (; k < len; k++) s0 += a[ao + k] * b[bo + k];
  return (s0 + s1) + (s2 + s3);
}
