/**
 * Sparse pseudo-pair lists in CSR form: row `i` (a source patch) owns entries
 * `indptr[i] … indptr[i+1]−1` of `indices` (target patches) and `weights` (summing to 1 per row).
 * @module
 */
import type { SparsePairs } from "../ot/sparse.ts";

export type { SparsePairs };

/**
 * Builds a CSR list from per-row entries, keeping the `keep` heaviest entries of each row (ties
 * by lower target index) and renormalising them to sum 1. Rows without positive weight stay
 * empty (callers fall back to a uniform draw).
 *
 * @example
 * ```ts
 * const p = sparseFromRows([[{ j: 3, w: 2 }, { j: 1, w: 2 }, { j: 0, w: 0 }]], 4, 2);
 * // p.indices = [1, 3], p.weights = [0.5, 0.5]
 * ```
 */
export function sparseFromRows(
  rows: readonly (readonly { j: number; w: number }[])[],
  cols: number,
  keep = Infinity,
): SparsePairs {
  const indptr = new Uint32Array(rows.length + 1);
  const idx: number[] = [];
  const wts: number[] = [];
  rows.forEach((row, i) => {
    const kept = row.filter((e) => e.w > 0 && Number.isFinite(e.w))
      .sort((a, b) => b.w - a.w || a.j - b.j)
      .slice(0, keep);
    const z = kept.reduce((s, e) => s + e.w, 0);
    for (const e of kept) {
      idx.push(e.j);
      wts.push(e.w / z);
    }
    indptr[i + 1] = idx.length;
  });
  return {
    rows: rows.length,
    cols,
    indptr,
    indices: Uint32Array.from(idx),
    weights: Float64Array.from(wts),
  };
}

/** The entries of row `i`. */
export function sparseRow(p: SparsePairs, i: number): { j: number; w: number }[] {
  const out: { j: number; w: number }[] = [];
  for (let k = p.indptr[i]; k < p.indptr[i + 1]; k++) {
    out.push({ j: p.indices[k], w: p.weights[k] });
  }
  return out;
}
