import assert from "node:assert/strict";
import { join } from "node:path";
import { forwardColorCnn } from "../cnn/forward.ts";
import { denoiseRgb } from "../isp/denoise.ts";
import { preIsp } from "../isp/preisp.ts";
import { exportColorCnnOnnx } from "./export.ts";
import { maxAbsDiff } from "./pyref.ts";
import { openSession, runRaw } from "./runtime.ts";
import { photoRaw, testWeights } from "./testdata.ts";

Deno.test("TS forward (preIsp → colour CNN) equals the exported ONNX run by ORT ≤ 1e-5", async () => {
  const w = testWeights(21, 128);
  const raw = await photoRaw("coffee.png", 70, 40, 80, 64);
  const rgb = preIsp(raw);
  // The inference path the colour-CNN methods render with (strip-wise, WASM SIMD kernels).
  const ts = forwardColorCnn(w, rgb).data;
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "cnn.onnx");
    await exportColorCnnOnnx(w, path);
    const m = await openSession(path);
    const ort = await runRaw(m, raw);
    await m.session.release();
    const d = maxAbsDiff(ts, ort.data);
    console.log(`TS forward vs ORT (coffee crop, 160×128 output, C = 128): ${d.toExponential(2)}`);
    assert.ok(d <= 1e-5, `TS vs ORT ${d}`);
    assert.ok(ts.filter((v) => v > 0 && v < 1).length > ts.length / 2, "output mostly clamped");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with the denoise step: the model's render equals the exported ONNX run by ORT ≤ 1e-5", async () => {
  const w = testWeights(5, 128);
  const raw = await photoRaw("coffee.png", 70, 40, 80, 64);
  const denoise = { chromaSigma: 3, lumaSigma: 0.7 };
  const ts = forwardColorCnn(w, denoiseRgb(preIsp(raw), denoise)).data;
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "cnn_dn.onnx");
    await exportColorCnnOnnx(w, path, { denoise });
    const m = await openSession(path);
    const ort = await runRaw(m, raw);
    await m.session.release();
    const d = maxAbsDiff(ts, ort.data);
    console.log(`denoise + CNN, TS vs ORT: ${d.toExponential(2)}`);
    assert.ok(d <= 1e-5, `TS vs ORT ${d}`);
    // the step did something: without it the output differs by far more than the tolerance
    assert.ok(maxAbsDiff(forwardColorCnn(w, preIsp(raw)).data, ts) > 1e-2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
