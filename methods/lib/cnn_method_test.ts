import assert from "node:assert/strict";
import { initColorCnn } from "./cnn/init.ts";
import { colorCnnModel, readCnnOptions } from "./cnn_method.ts";
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
