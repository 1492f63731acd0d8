import assert from "node:assert/strict";
import { initColorCnn, seededRandom } from "./init.ts";
import { createCnnTrainer, trainColorCnn } from "./train.ts";
import { createGpuCnnTrainer, forwardColorCnnGpu } from "./gpu.ts";
import { forwardColorCnn } from "./forward.ts";
import { relError } from "./torch_ref.ts";
import { unflattenWeights } from "./init.ts";

function batch(seed: number, n: number, h: number, w: number) {
  const r = seededRandom(seed);
  const len = n * h * w * 3;
  const source = Float32Array.from({ length: len }, () => r());
  const target = Float32Array.from({ length: len }, () => r());
  return { source, target, n, h, w };
}

// CI installs Mesa's lavapipe (mesa-vulkan-drivers), a CPU Vulkan: a WebGPU adapter must exist.
Deno.test("WebGPU forward and every gradient equal the CPU path", async () => {
  const w = initColorCnn(21);
  w.wh.set([0.9, 0.1, 0.05, -0.05, 1.1, 0.0, 0.02, 0.03, 0.95]);
  w.bh.set([0.01, -0.02, 0.03]);
  const gpu = await createGpuCnnTrainer({ init: w });
  assert(gpu, "no WebGPU adapter (install mesa-vulkan-drivers for lavapipe)");
  const cpu = await createCnnTrainer({ init: w, workers: 0 });
  try {
    for (const [n, h, wd] of [[2, 11, 9], [1, 3, 2], [1, 20, 17]]) {
      const b = batch(n * 100 + h, n, h, wd);
      const a = await cpu.gradient(b), g = await gpu.gradient(b);
      assert(relError(g.output, a.output) < 1e-5, `output ${n}×${h}×${wd}`);
      assert(Math.abs(g.terms.total - a.terms.total) < 1e-5 * a.terms.total, "loss");
      const ga = unflattenWeights(Float32Array.from(a.grad), 128);
      const gg = unflattenWeights(Float32Array.from(g.grad), 128);
      for (const k of ["w1", "b1", "w2", "b2", "wh", "bh"] as const) {
        const e = relError(gg[k], ga[k]);
        assert(e < 1e-5, `${n}×${h}×${wd} gradient of ${k}: rel. error ${e}`);
      }
    }
    await gpu.step(batch(1, 2, 8, 8));
    assert.notDeepEqual(gpu.weights.w1, w.w1);
  } finally {
    cpu.close();
    gpu.close();
  }
});

Deno.test("WebGPU inference equals the CPU inference, whole and in strips", async () => {
  const w = initColorCnn(8);
  const r = seededRandom(4);
  const x = { width: 19, height: 23, data: Float32Array.from({ length: 19 * 23 * 3 }, () => r()) };
  const cpu = forwardColorCnn(w, x);
  for (const strip of [undefined, 1, 5]) {
    const g = await forwardColorCnnGpu(w, x, { strip });
    assert(relError(g.data, cpu.data) < 1e-5, `strip ${strip}: ${relError(g.data, cpu.data)}`);
  }
});

Deno.test("trainColorCnn on device gpu follows the CPU run", async () => {
  const b = batch(5, 2, 8, 8);
  const opts = { seed: 3, steps: 2, batchSize: 2, crop: 8, lr: 1e-3, workers: 0 };
  const sampler = () => Promise.resolve(b);
  const cpu = await trainColorCnn({ ...opts, sampler });
  const gpu = await trainColorCnn({ ...opts, sampler, device: "gpu" });
  const start = initColorCnn(3);
  for (const k of ["w1", "b1", "w2", "b2", "wh", "bh"] as const) {
    // both moved, and by the same AdamW steps (≈ lr each) up to float noise
    assert(
      relError(cpu[k].map((v, i) => v - start[k][i]), gpu[k].map((v, i) => v - start[k][i])) < 1e-2,
      k,
    );
  }
});

// The paper profile's batch (24) through the WebGPU trainer in micro-batches (forced to 5 here,
// as the binding limit forces them at the paper's 512² crops), with the profile's losses and a
// trained-looking head: loss and every gradient equal the CPU trainer's.
Deno.test("WebGPU micro-batched gradient of a paper-profile batch equals the CPU path", async () => {
  const w = initColorCnn(33);
  w.wh.set([3.2, -0.6, -0.9, -0.5, 2.1, -0.4, -0.9, -0.4, 2.8]);
  w.bh.set([0.02, -0.01, 0.03]);
  const r = seededRandom(8);
  w.w2.forEach((_, i) => (w.w2[i] = 0.01 * (r() - 0.5)));
  const gpu = await createGpuCnnTrainer({ init: w });
  assert(gpu, "no WebGPU adapter (install mesa-vulkan-drivers for lavapipe)");
  gpu.maxChunk = 5;
  const cpu = await createCnnTrainer({ init: w, workers: 0 });
  try {
    const b = batch(77, 24, 12, 10);
    const a = await cpu.gradient(b), g = await gpu.gradient(b);
    assert(relError(g.output, a.output) < 1e-5, "output");
    assert(Math.abs(g.terms.total - a.terms.total) < 1e-5 * a.terms.total, "loss");
    const ga = unflattenWeights(Float32Array.from(a.grad), 128);
    const gg = unflattenWeights(Float32Array.from(g.grad), 128);
    for (const k of ["w1", "b1", "w2", "b2", "wh", "bh"] as const) {
      const e = relError(gg[k], ga[k]);
      assert(e < 1e-5, `gradient of ${k}: rel. error ${e}`);
    }
  } finally {
    cpu.close();
    gpu.close();
  }
});
