/**
 * Test helper: runs `torch_ref.py` (PyTorch 1.13 under /usr/bin/python3) on tensors written to a
 * temporary folder and reads its results back. Used only by the tests.
 * @module
 */
import { runPythonFile } from "../../../harness/testing/python.ts";

/** Runs the PyTorch reference; returns its outputs by name (float64). */
export async function runTorchRef(
  cfg: Record<string, unknown>,
  tensors: Record<string, { data: ArrayLike<number>; shape: number[] }>,
): Promise<Record<string, Float64Array>> {
  const dir = await Deno.makeTempDir({ prefix: "cnn_torch_" });
  try {
    const shapes: Record<string, number[]> = {};
    for (const [name, t] of Object.entries(tensors)) {
      shapes[name] = t.shape;
      await Deno.writeFile(`${dir}/${name}.f64`, new Uint8Array(Float64Array.from(t.data).buffer));
    }
    await Deno.writeTextFile(`${dir}/cfg.json`, JSON.stringify({ ...cfg, shapes }));
    const script = new URL("./torch_ref.py", import.meta.url).pathname;
    await runPythonFile(script, [dir]);
    const res: Record<string, Float64Array> = {};
    for await (const e of Deno.readDir(dir)) {
      const m = e.name.match(/^res_(.+)\.f64$/);
      if (m) res[m[1]] = new Float64Array((await Deno.readFile(`${dir}/${e.name}`)).buffer);
    }
    return res;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Largest |a − b| divided by the largest |b| (scale-aware relative error of a whole tensor). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`length ${a.length} vs ${b.length}`);
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m === 0 ? d : d / m;
}
