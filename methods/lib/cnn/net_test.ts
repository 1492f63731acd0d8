import assert from "node:assert/strict";
import { seededRandom } from "./init.ts";
import { initColorCnn, unflattenWeights } from "./init.ts";
import { createCnnTrainer } from "./train.ts";
import { relError, runTorchRef } from "./torch_ref.ts";
import { DEFAULT_LOSS_WEIGHTS } from "./losses.ts";
import type { KernelRoute } from "./shard.ts";
import { cnnParamCount } from "./weights.ts";

function batch(seed: number, n: number, h: number, w: number) {
  const r = seededRandom(seed);
  const len = n * h * w * 3;
  const source = Float32Array.from({ length: len }, () => r());
  const target = Float32Array.from({ length: len }, () => r());
  for (let i = 3; i < len; i++) target[i] = 0.5 * target[i] + 0.5 * target[i - 3];
  return { source, target, n, h, w };
}

async function torchGrad(seed: number, n: number, h: number, w: number, hidden: number) {
  const weights = initColorCnn(seed, hidden);
  // a non-identity head and a bias so every head gradient path is exercised
  weights.wh.set([0.9, 0.1, 0.05, -0.05, 1.1, 0.0, 0.02, 0.03, 0.95]);
  weights.bh.set([0.01, -0.02, 0.03]);
  const b = batch(seed + 1, n, h, w);
  const ref = await runTorchRef({ mode: "net", weights: DEFAULT_LOSS_WEIGHTS, hidden }, {
    src: { data: b.source, shape: [n, h, w, 3] },
    tgt: { data: b.target, shape: [n, h, w, 3] },
    w1: { data: weights.w1, shape: [weights.w1.length] },
    b1: { data: weights.b1, shape: [hidden] },
    w2: { data: weights.w2, shape: [weights.w2.length] },
    b2: { data: weights.b2, shape: [3] },
    wh: { data: weights.wh, shape: [9] },
    bh: { data: weights.bh, shape: [3] },
  });
  return { weights, b, ref };
}

for (const route of ["js", "wasm"] as KernelRoute[]) {
  Deno.test(`${route} kernels: forward and every parameter gradient equal torch (float64)`, async () => {
    const hidden = 128;
    const { weights, b, ref } = await torchGrad(3, 2, 11, 9, hidden);
    const t = await createCnnTrainer({ init: weights, kernels: route, workers: 0 });
    try {
      const g = await t.gradient(b);
      assert(
        relError(g.output, ref.out) < 1e-5,
        `forward rel. error ${relError(g.output, ref.out)}`,
      );
      assert(Math.abs(g.terms.total - ref.total[0]) < 1e-5 * ref.total[0], "total loss");
      const grads = unflattenWeights(Float32Array.from(g.grad), hidden);
      for (const k of ["w1", "b1", "w2", "b2", "wh", "bh"] as const) {
        const e = relError(grads[k], ref["g_" + k]);
        assert(e < 1e-5, `${route} gradient of ${k}: rel. error ${e}`);
      }
    } finally {
      t.close();
    }
  });
}

Deno.test("parameter count is 7,055", () => {
  assert.equal(cnnParamCount(), 7055);
  const w = initColorCnn(1);
  const n = w.w1.length + w.b1.length + w.w2.length + w.b2.length + w.wh.length + w.bh.length;
  assert.equal(n, 7055);
});
