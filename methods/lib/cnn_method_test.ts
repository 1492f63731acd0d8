import assert from "node:assert/strict";
import { initColorCnn } from "./cnn/init.ts";
import { cnnInput, colorCnnModel, readCnnOptions, trainOnSampler } from "./cnn_method.ts";
import { testContext, TINY_SCHEDULE, tinySplit } from "./testing/cnn_methods.ts";
import { uniformSampler } from "./train_data.ts";
import { photoRaw } from "./onnx/testdata.ts";

Deno.test("a colour-CNN model renders the same image on WebGPU (lavapipe here) and on the CPU", async () => {
  const w = initColorCnn(5);
  const o = readCnnOptions({});
  const raw = await photoRaw("astronaut.png", 100, 60, 40, 24);
  const cpu = colorCnnModel(w, o, "cpu");
  const gpu = colorCnnModel(w, o, "gpu");
  try {
    const a = await cpu.render(raw, "crop");
    const b = await gpu.render(raw, "crop");
    assert.equal(b.width, 80);
    assert.equal(b.height, 48);
    let worst = 0;
    for (let i = 0; i < a.data.length; i++) {
      worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
    }
    assert.ok(worst < 1e-5, `GPU vs CPU max |Δ| ${worst}`);
    // The output is not trivially constant: the check compares real content.
    const spread = Math.max(...a.data) - Math.min(...a.data);
    assert.ok(spread > 0.2, `output spread ${spread}`);
  } finally {
    await gpu.dispose?.();
  }
});

Deno.test("stepZero returns the start untrained: the moment head, residual branch zeroed", async () => {
  const split = await tinySplit();
  const src = await Promise.all(split.raws.map((r) => r.load()));
  const sources = src.map((r) => cnnInput(r, {}, { chromaSigma: 3, lumaSigma: 0 }));
  const targets = await Promise.all(split.rgbs.map((r) => r.load()));
  const opts = { ...TINY_SCHEDULE, headInit: "moments" };
  const sampler = () => uniformSampler(sources, targets, { batchSize: 4, crop: 16, seed: 42 });
  const logs: string[] = [];
  const zero = await trainOnSampler(
    sampler(),
    readCnnOptions({ ...opts, stepZero: true }),
    testContext({}, logs),
    "t",
  );
  assert.ok(logs.some((l) => /step 0 \(the start, untrained/.test(l)), logs.join("\n"));
  assert.ok(zero.w2.every((v) => v === 0) && zero.b2.every((v) => v === 0));
  assert.ok(Math.abs(zero.wh[0] - 1) > 0.05, `head ${zero.wh}`); // the moment map, not identity
  // the same sampler and options without stepZero start from exactly these weights and move
  let start: Float32Array | undefined;
  const trained = await trainOnSampler(sampler(), readCnnOptions(opts), testContext({}), "t", {
    onCheckpoint: (s, w) => s === 0 && (start = w.wh),
  });
  assert.deepEqual(start, zero.wh);
  assert.notDeepEqual(trained.wh, zero.wh);
});

Deno.test("denoise options are checked by name", () => {
  assert.throws(() => readCnnOptions({ denoiseChroma: -1 }), /denoiseChroma/);
  assert.throws(() => readCnnOptions({ lrSchedule: "step" }), /lrSchedule/);
});
