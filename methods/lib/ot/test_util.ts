/**
 * Test helpers for the OT module: a seeded PRNG for reproducible inputs and a bridge that runs
 * the POT 0.8.2 reference (`pot_ref.py`) on the same inputs through JSON, which round-trips float64
 * exactly.
 * @module
 */
import { createRng, uniformSource } from "../../../harness/random.ts";
import { runPythonFile } from "../../../harness/testing/python.ts";
import type { Matrix } from "../../../harness/types.ts";

export { maxAbsDiff } from "../../../harness/testing/python.ts";

/** A seeded uniform source in [0, 1) (the project PRNG). */
export const rng: (seed: number) => () => number = uniformSource;

/** A `rows × cols` matrix of standard normal values. */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const g = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return { rows, cols, data };
}

/** Random positive weights summing to one. */
export function randomWeights(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const w = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i] = 0.2 + r();
  for (let i = 0; i < n; i++) w[i] /= s;
  return w;
}

/** A matrix as nested arrays, for JSON. */
export function toNested(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) {
    out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  }
  return out;
}

/** Nested arrays back to a matrix. */
export function fromNested(x: number[][]): Matrix {
  const rows = x.length, cols = x[0].length;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) data.set(x[i], i * cols);
  return { rows, cols, data };
}

/**
 * Runs `pot_ref.py` with one request per call (`{op, ...}`) and returns its JSON answers in order.
 * All requests go through one Python process, because importing POT costs about a second.
 */
export async function pot(requests: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const script = new URL("./pot_ref.py", import.meta.url).pathname;
  return JSON.parse(await runPythonFile(script, [], { stdin: JSON.stringify(requests) }));
}

/** Largest |x| of an array. */
export function maxAbs(x: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]));
  return d;
}

/** Row and column sums of a matrix. */
export function marginals(m: Matrix): { rows: Float64Array; cols: Float64Array } {
  const rows = new Float64Array(m.rows), cols = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const x = m.data[i * m.cols + j];
      rows[i] += x;
      cols[j] += x;
    }
  }
  return { rows, cols };
}
