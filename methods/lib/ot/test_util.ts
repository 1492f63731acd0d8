/**
 * Test helpers for the OT module: a seeded PRNG for reproducible inputs and a bridge that runs
 * the POT 0.8.2 reference (`pot_ref.py`) on the same inputs through JSON, which round-trips float64
 * exactly.
 * @module
 */
import type { Matrix } from "../../../harness/types.ts";

/** Mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box–Muller. */
export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A `rows × cols` matrix of standard normal values. */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const g = gaussian(rng(seed));
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = g();
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
  const cmd = new Deno.Command("/usr/bin/python3", {
    args: [script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(requests)));
  await w.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(`pot_ref.py failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Largest |x − y| over two arrays of equal length. */
export function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`length ${x.length} vs ${y.length}`);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
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
