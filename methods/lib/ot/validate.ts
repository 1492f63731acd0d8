/**
 * Shape and value checks shared by the optimal-transport solvers, so every bad argument fails with
 * an {@link InputError} that names the argument and the problem instead of producing NaNs.
 * @module
 */
import { InputError, OptionError } from "../../../harness/errors.ts";
import type { Matrix } from "../../../harness/types.ts";

/** Throws unless `m` is a well-formed `rows × cols` matrix of finite numbers. */
export function checkMatrix(where: string, name: string, m: Matrix, rows?: number, cols?: number) {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 1 || m.cols < 1) {
    throw new InputError(`${where}(${name})`, `bad shape ${m.rows}×${m.cols}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new InputError(
      `${where}(${name})`,
      `data length ${m.data.length} differs from ${m.rows}×${m.cols}`,
    );
  }
  if ((rows !== undefined && m.rows !== rows) || (cols !== undefined && m.cols !== cols)) {
    throw new InputError(
      `${where}(${name})`,
      `shape ${m.rows}×${m.cols}, expected ${rows ?? m.rows}×${cols ?? m.cols}`,
    );
  }
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new InputError(`${where}(${name})`, `non-finite value ${d[i]} at index ${i}`);
    }
  }
}

/** Throws unless `w` is a length-`n` vector of finite, non-negative weights with positive sum. */
export function checkWeights(where: string, name: string, w: Float64Array, n: number): number {
  if (w.length !== n) {
    throw new InputError(`${where}(${name})`, `length ${w.length} differs from ${n}`);
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = w[i];
    if (!Number.isFinite(x) || x < 0) {
      throw new InputError(`${where}(${name})`, `weight ${x} at index ${i} is not finite and ≥ 0`);
    }
    sum += x;
  }
  if (!(sum > 0)) throw new InputError(`${where}(${name})`, "weights sum to zero");
  return sum;
}

/** Throws unless `value` is a finite number strictly above `min` (or at least `min` if inclusive). */
export function checkPositive(option: string, value: number, min = 0, inclusive = false) {
  if (!Number.isFinite(value) || (inclusive ? value < min : value <= min)) {
    throw new OptionError(
      option,
      `must be a finite number ${inclusive ? "≥" : ">"} ${min}, got ${value}`,
    );
  }
}

/** Throws unless `value` is an integer ≥ `min`. */
export function checkInteger(option: string, value: number, min: number) {
  if (!Number.isInteger(value) || value < min) {
    throw new OptionError(option, `must be an integer ≥ ${min}, got ${value}`);
  }
}

/** Uniform weights `1/n`. */
export function uniform(n: number): Float64Array {
  return new Float64Array(n).fill(1 / n);
}
