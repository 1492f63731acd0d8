/**
 * Pre-ISP throughput: the TS `preIsp` (bilinear and edge-aware) against the same pipeline
 * exported to ONNX and run by onnxruntime on the CPU (the anchor, measured in the same run), and
 * the exported colour CNN (C = 128) through onnxruntime for scale.
 * Run: `deno run -A bench/preisp_bench.ts [--size 512]` (packed size; output is 2·size square).
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { preIsp, type PreIspOptions } from "../methods/lib/isp/preisp.ts";
import { buildColorCnnOnnx, buildPreIspOnnx } from "../methods/lib/onnx/export.ts";
import { openSession, runRaw } from "../methods/lib/onnx/runtime.ts";
import { testWeights } from "../methods/lib/onnx/testdata.ts";

const { values } = parseArgs({ options: { size: { type: "string", default: "512" } } });
const size = Number(values.size);
const raw = {
  width: size,
  height: size,
  data: Float32Array.from({ length: size * size * 4 }, (_, i) => ((i * 2654435761) % 1000) / 1000),
};
const mp = (4 * size * size) / 1e6;

async function best(f: () => unknown | Promise<unknown>, reps = 5): Promise<number> {
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

const dir = await Deno.makeTempDir();
try {
  console.log(`output ${2 * size}×${2 * size} (${mp.toFixed(2)} MP), best of 5`);
  for (const opts of [{}, { demosaic: "edge-aware" }] as PreIspOptions[]) {
    const path = join(dir, "pre.onnx");
    await Deno.writeFile(path, buildPreIspOnnx({ preIsp: opts }));
    const m = await openSession(path);
    const tOrt = await best(() => runRaw(m, raw));
    const tTs = await best(() => preIsp(raw, opts));
    await m.session.release();
    console.log(
      `${opts.demosaic ?? "bilinear"}: TS ${tTs.toFixed(1)} ms (${
        (mp / tTs * 1e3).toFixed(1)
      } MP/s), ` +
        `ORT anchor ${tOrt.toFixed(1)} ms; TS/ORT time ratio ${(tTs / tOrt).toFixed(2)}`,
    );
  }
  const cnnPath = join(dir, "cnn.onnx");
  await Deno.writeFile(cnnPath, buildColorCnnOnnx(testWeights(1, 128)));
  const m = await openSession(cnnPath);
  const tCnn = await best(() => runRaw(m, raw), 3);
  const tTile = await best(() => runRaw(m, raw, { tileSize: 128, overlap: 8 }), 3);
  await m.session.release();
  console.log(
    `pre-ISP + CNN (C = 128) via ORT: whole ${tCnn.toFixed(0)} ms (${
      (mp / tCnn * 1e3).toFixed(2)
    } MP/s), ` +
      `tiled 128/8 ${tTile.toFixed(0)} ms (ratio ${(tTile / tCnn).toFixed(2)})`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
