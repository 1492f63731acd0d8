import assert from "node:assert/strict";
import { initColorCnn, seededRandom } from "./init.ts";
import { createCnnTrainer, trainColorCnn } from "./train.ts";
import { AdamW } from "./adamw.ts";
import { relError, runTorchRef } from "./torch_ref.ts";
import { DEFAULT_LOSS_WEIGHTS } from "./losses.ts";
import { InputError } from "../../../harness/errors.ts";

function batch(seed: number, n: number, h: number, w: number) {
  const r = seededRandom(seed);
  const len = n * h * w * 3;
  const source = Float32Array.from({ length: len }, () => 0.2 + 0.6 * r());
  // the target: a colour-shifted, smoothed copy, so there is something to learn
  const target = new Float32Array(len);
  for (let i = 0; i < len; i++) target[i] = Math.min(1, source[i] * [1.2, 0.9, 0.7][i % 3] + 0.05);
  return { source, target, n, h, w };
}

Deno.test("one AdamW step equals torch.optim.AdamW on the CNN's gradient", async () => {
  const hidden = 128;
  const w = initColorCnn(4, hidden);
  const b = batch(2, 2, 8, 6);
  const adamw = { lr: 1e-3, weight_decay: 1e-2, betas: [0.8, 0.99], eps: 1e-8 };
  const ref = await runTorchRef({ mode: "net", weights: DEFAULT_LOSS_WEIGHTS, hidden, adamw }, {
    src: { data: b.source, shape: [2, 8, 6, 3] },
    tgt: { data: b.target, shape: [2, 8, 6, 3] },
    w1: { data: w.w1, shape: [w.w1.length] },
    b1: { data: w.b1, shape: [hidden] },
    w2: { data: w.w2, shape: [w.w2.length] },
    b2: { data: w.b2, shape: [3] },
    wh: { data: w.wh, shape: [9] },
    bh: { data: w.bh, shape: [3] },
  });
  const t = await createCnnTrainer({
    init: w,
    workers: 0,
    lr: 1e-3,
    weightDecay: 1e-2,
    betas: [0.8, 0.99],
  });
  try {
    await t.step(b);
    const after = t.weights;
    for (const k of ["w1", "b1", "w2", "b2", "wh", "bh"] as const) {
      // compare the update (new − old), not the weights, so the test sees the step itself
      const mine = after[k].map((v, i) => v - w[k][i]);
      const theirs = ref["new_" + k].map((v, i) => v - w[k][i]);
      const e = relError(mine, theirs);
      assert(e < 1e-3, `AdamW update of ${k}: rel. error ${e}`);
    }
  } finally {
    t.close();
  }
});

Deno.test("AdamW matches torch's formula on a hand-checked scalar", () => {
  // torch: p ← p(1 − lr·wd) − lr/(1−β1)·m/(√v/√(1−β2) + eps) with m = (1−β1)g, v = (1−β2)g²
  const p = new Float32Array([2]);
  new AdamW(1, { lr: 0.1, weightDecay: 0.5 }).step(p, [3]);
  assert(Math.abs(p[0] - (2 * 0.95 - 0.1 * 3 / (3 + 1e-8))) < 1e-6, `${p[0]}`);
});

Deno.test("training is deterministic for a seed, whatever the worker count", async () => {
  const run = async (workers: number) => {
    const t = await createCnnTrainer({ seed: 7, workers, lr: 1e-3 });
    try {
      for (let s = 0; s < 3; s++) await t.step(batch(10 + s, 3, 16, 16));
      return t.weights;
    } finally {
      t.close();
    }
  };
  const a = await run(0), b = await run(0), c = await run(2);
  for (const k of ["w1", "b1", "w2", "b2", "wh", "bh"] as const) {
    assert.deepEqual(a[k], b[k], `${k} differs between two runs`);
    assert.deepEqual(a[k], c[k], `${k} differs between 0 and 2 workers`);
  }
  assert.notDeepEqual(a.w1, initColorCnn(7).w1);
});

Deno.test("a tiny overfit run lowers the loss", async () => {
  const b = batch(3, 2, 16, 16);
  const losses: number[] = [];
  await trainColorCnn({
    seed: 1,
    steps: 30,
    batchSize: 2,
    crop: 16,
    lr: 3e-3,
    workers: 0,
    losses: { pixelL1: 1 },
    sampler: () => Promise.resolve(b),
    onStep: (_, t) => losses.push(t.total),
  });
  assert.equal(losses.length, 30);
  assert(losses[29] < 0.5 * losses[0], `loss ${losses[0]} → ${losses[29]}`);
});

Deno.test("bad batches raise an InputError naming the sampler step", async () => {
  const b = batch(1, 2, 8, 8);
  const opts = { seed: 1, steps: 1, batchSize: 2, crop: 8, workers: 0 };
  await assert.rejects(
    trainColorCnn({ ...opts, sampler: () => Promise.resolve({ ...b, target: b.target.slice(3) }) }),
    (e) => e instanceof InputError && e.file === "sampler(0)",
  );
  const nan = b.source.slice();
  nan[5] = NaN;
  await assert.rejects(
    trainColorCnn({ ...opts, sampler: () => Promise.resolve({ ...b, source: nan }) }),
    /not finite/,
  );
  await assert.rejects(
    trainColorCnn({ ...opts, crop: 9, sampler: () => Promise.resolve(b) }),
    InputError,
  );
});

Deno.test("trainColorCnn reports progress and stops on abort", async () => {
  const b = batch(4, 1, 8, 8);
  const seen: number[] = [];
  const ctl = new AbortController();
  await assert.rejects(
    trainColorCnn({
      seed: 1,
      steps: 10,
      batchSize: 1,
      crop: 8,
      workers: 0,
      signal: ctl.signal,
      sampler: () => Promise.resolve(b),
      progress: (done, total) => {
        seen.push(done);
        assert.equal(total, 10);
        if (done === 3) ctl.abort(new Error("stop"));
      },
    }),
    /stop/,
  );
  assert.deepEqual(seen, [1, 2, 3]);
});
