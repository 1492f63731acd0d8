/**
 * Test support: runs a Python reference script (`/usr/bin/python3` with numpy, scipy, torch, onnx)
 * on float32 arrays exchanged as `.npy` files in a temporary folder. Used by tests only, to compare
 * TS results with independent implementations.
 * @module
 */
import { join } from "node:path";
import { type NdArray, readNpy, writeNpy } from "../../../harness/io/npy.ts";

/** Python interpreter with the reference packages (not a pyenv shim). */
export const PYTHON = "/usr/bin/python3";

/**
 * Runs `script` with `D` (the exchange folder) and `np` defined; inputs are saved as `D/<name>.npy`
 * (float32) and every name in `outputs` is read back from `D/<name>.npy` after the run.
 * @example
 * ```ts
 * const { y } = await runPython("np.save(f'{D}/y.npy', np.load(f'{D}/x.npy') * 2)",
 *   { x: { dtype: "float32", shape: [2], data: new Float32Array([1, 2]) } }, ["y"]);
 * ```
 */
export async function runPython(
  script: string,
  inputs: Record<string, NdArray>,
  outputs: readonly string[],
): Promise<Record<string, NdArray>> {
  const dir = await Deno.makeTempDir({ prefix: "isp-bench-py-" });
  try {
    for (const [name, arr] of Object.entries(inputs)) await writeNpy(join(dir, `${name}.npy`), arr);
    const prelude = `import sys\nimport numpy as np\nD = sys.argv[1]\n`;
    const res = await new Deno.Command(PYTHON, {
      args: ["-c", prelude + script, dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!res.success) {
      throw new Error(`python reference failed:\n${new TextDecoder().decode(res.stderr)}`);
    }
    const out: Record<string, NdArray> = {};
    for (const name of outputs) out[name] = await readNpy(join(dir, `${name}.npy`));
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Wraps a Float32Array as an NdArray of the given shape. */
export function f32(data: Float32Array, shape: readonly number[]): NdArray {
  return { dtype: "float32", shape, data };
}

/** Largest absolute difference between two equally long arrays (∞ on a length mismatch). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > m) m = d;
  }
  return m;
}
