/**
 * Test support: runs a Python reference script (`/usr/bin/python3` with numpy, scipy, torch, onnx)
 * on float32 arrays exchanged as `.npy` files in a temporary folder. Used by tests only, to compare
 * TS results with independent implementations.
 * @module
 */
import { join } from "node:path";
import { type NdArray, readNpy, writeNpy } from "../../../harness/io/npy.ts";
import { runPython as runPythonCode } from "../../../harness/testing/python.ts";

export { maxAbsDiff, PYTHON } from "../../../harness/testing/python.ts";

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
    await runPythonCode(prelude + script, [dir], { label: "python reference" });
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
