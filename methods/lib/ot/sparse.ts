/**
 * Sparse pairing lists in CSR form (source → [(target, weight)]), the currency between matching
 * and training, plus the top-k selection that produces them from dense rows.
 * @module
 */

/** Source `i`'s pairs are `indices/weights[indptr[i] .. indptr[i+1])`, best first. */
export interface SparsePairs {
  /** Number of sources. */
  readonly rows: number;
  /** Number of targets (the range of `indices`). */
  readonly cols: number;
  /** `rows + 1` offsets into `indices` / `weights`. */
  readonly indptr: Uint32Array;
  /** Target indices. */
  readonly indices: Uint32Array;
  /** Weights (or scores), aligned with `indices`. */
  readonly weights: Float64Array;
}

/**
 * Indices of the `k` largest values of `row` (all if `k ≥ row.length`), largest first; ties keep
 * the lower index first.
 */
export function topKIndices(row: ArrayLike<number>, k: number): number[] {
  const n = row.length;
  const kk = Math.min(k, n);
  if (kk <= 0) return [];
  // A small sorted buffer beats a full sort for k ≪ n.
  const idx: number[] = [];
  for (let j = 0; j < n; j++) {
    const x = row[j];
    if (idx.length === kk && !(x > row[idx[kk - 1]])) continue;
    let pos = idx.length === kk ? kk - 1 : idx.length;
    if (idx.length < kk) idx.push(j);
    while (pos > 0 && x > row[idx[pos - 1]]) {
      idx[pos] = idx[pos - 1];
      pos--;
    }
    idx[pos] = j;
  }
  return idx;
}

/** Builds a {@link SparsePairs} from per-source lists of `[target, weight]`. */
export function sparseFromLists(
  lists: readonly (readonly [number, number])[][],
  cols: number,
): SparsePairs {
  const indptr = new Uint32Array(lists.length + 1);
  let nnz = 0;
  for (let i = 0; i < lists.length; i++) {
    nnz += lists[i].length;
    indptr[i + 1] = nnz;
  }
  const indices = new Uint32Array(nnz), weights = new Float64Array(nnz);
  let o = 0;
  for (const list of lists) {
    for (const [j, w] of list) {
      indices[o] = j;
      weights[o++] = w;
    }
  }
  return { rows: lists.length, cols, indptr, indices, weights };
}

/** The pairs of one source as `[target, weight]` tuples. */
export function pairsOf(s: SparsePairs, i: number): [number, number][] {
  const out: [number, number][] = [];
  for (let o = s.indptr[i]; o < s.indptr[i + 1]; o++) out.push([s.indices[o], s.weights[o]]);
  return out;
}
