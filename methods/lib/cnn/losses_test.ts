import assert from "node:assert/strict";
import {
  colorLoss,
  DEFAULT_LOSS_WEIGHTS,
  gramGradScale,
  gramLoss,
  type HistLosses,
  JS_HIST_LOSSES,
  type LossWeights,
} from "./losses.ts";
import { createWasmHistLosses } from "./hist_wasm.ts";
import { seededRandom } from "./init.ts";
import { relError, runTorchRef } from "./torch_ref.ts";

const NAMES = ["moment", "histY", "histUV", "gram", "tv", "pixelL1"] as const;

function randomBatch(seed: number, len: number, lo = 0, hi = 1): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: len }, () => lo + (hi - lo) * r());
}

async function compare(weights: LossWeights, n: number, h: number, w: number, seed: number) {
  const out = randomBatch(seed, n * h * w * 3);
  const tgt = randomBatch(seed + 1, n * h * w * 3);
  // smooth the target a little so TV / Gram see structure, not only noise
  for (let i = 3; i < tgt.length; i++) tgt[i] = 0.6 * tgt[i] + 0.4 * tgt[i - 3];
  const g = new Float32Array(out.length);
  const terms = colorLoss(out, tgt, n, h, w, weights, g);
  const shape = [n, h, w, 3];
  const ref = await runTorchRef({ mode: "loss", weights }, {
    out: { data: out, shape },
    tgt: { data: tgt, shape },
  });
  return { terms, g, ref, out, tgt };
}

Deno.test("each loss term and its gradient equal a torch implementation of the formula", async () => {
  const { ref, out, tgt } = await compare(DEFAULT_LOSS_WEIGHTS, 2, 12, 10, 7);
  const impls = [["js", JS_HIST_LOSSES], ["wasm", createWasmHistLosses()!]] as const;
  const cases = NAMES.flatMap((name) =>
    name.startsWith("hist") ? impls.map(([impl, hist]) => ({ name, impl, hist })) : [{ name }]
  );
  assert.equal(cases.length, 8);
  for (const { name, hist } of cases as { name: typeof NAMES[number]; hist?: HistLosses }[]) {
    const weights = { moment: 0, histY: 0, histUV: 0, gram: 0, tv: 0, pixelL1: 0, [name]: 1 };
    const g = new Float32Array(out.length);
    const terms = colorLoss(out, tgt, 2, 12, 10, weights, g, hist);
    const i = NAMES.indexOf(name);
    const rel = Math.abs(terms[name] - ref.terms[i]) / Math.abs(ref.terms[i]);
    assert(ref.terms[i] > 0, `${name}: reference value is zero`);
    assert(rel < 1e-6, `${name}: value ${terms[name]} vs torch ${ref.terms[i]} (rel ${rel})`);
    const ge = relError(g, ref["grad_" + name]);
    assert(ge < 1e-5, `${name}: gradient rel. error ${ge}`);
  }
});

Deno.test("the full default loss equals torch on an odd-sized batch", async () => {
  const { terms, g, ref } = await compare(DEFAULT_LOSS_WEIGHTS, 3, 9, 7, 11);
  for (let i = 0; i < NAMES.length; i++) {
    if (DEFAULT_LOSS_WEIGHTS[NAMES[i]] === 0) continue; // skipped terms are reported as 0
    const r = ref.terms[i];
    assert(Math.abs(terms[NAMES[i]] - r) <= 1e-6 * Math.abs(r) + 1e-12, `${NAMES[i]}`);
  }
  assert(relError(g, ref.grad) < 1e-5, `gradient rel. error ${relError(g, ref.grad)}`);
});

Deno.test("WASM histogram losses equal the typed-array ones, call after call", () => {
  const wasm = createWasmHistLosses()!;
  for (let k = 0; k < 3; k++) {
    const out = randomBatch(20 + k, 40 * 30 * 3), tgt = randomBatch(30 + k, 40 * 30 * 3);
    for (const name of ["histYLoss", "histUVLoss"] as const) {
      const ga = new Float32Array(out.length), gb = new Float32Array(out.length);
      const a = JS_HIST_LOSSES[name](out, tgt, 1200, ga, 0.5);
      const b = wasm[name](out, tgt, 1200, gb, 0.5);
      assert(Math.abs(a - b) <= 1e-12 * a, `${name} call ${k}: ${a} vs ${b}`);
      assert(relError(gb, ga) < 1e-6, `${name} call ${k}: gradient ${relError(gb, ga)}`);
    }
  }
});

Deno.test("Gram loss with scaled gradient channels: gradient equals finite differences", () => {
  const h = 7, w = 6;
  const out = randomBatch(3, h * w * 3, 0.2, 0.8), tgt = randomBatch(4, h * w * 3, 0.1, 0.9);
  const g = new Float32Array(out.length);
  gramLoss(out, tgt, h, w, g, 1, 3.5);
  let worst = 0, big = 0;
  for (let i = 0; i < out.length; i += 5) {
    const p = out.slice(), m = out.slice();
    p[i] += 1e-3, m[i] -= 1e-3;
    const fd = (gramLoss(p, tgt, h, w, undefined, 1, 3.5) -
      gramLoss(m, tgt, h, w, undefined, 1, 3.5)) / (p[i] - m[i]);
    worst = Math.max(worst, Math.abs(fd - g[i]));
    big = Math.max(big, Math.abs(fd));
  }
  assert(big > 0, "zero gradient");
  assert(worst < 1e-3 * big, `finite differences vs analytic gradient: ${worst} (scale ${big})`);
});

Deno.test("scaled gradient channels make the Gram loss see noise the plain one barely does", () => {
  const h = 24, w = 24, r = seededRandom(9);
  const tgt = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        tgt[(y * w + x) * 3 + c] = 0.4 + 0.2 * Math.sin(x / 4 + y / 6 + c);
      }
    }
  }
  const shifted = tgt.map((v, i) => v + (i % 3 === 0 ? 0.03 : 0)); // colour error only
  const noisy = tgt.map((v) => v + 0.03 * (r() - 0.5) * 3.4); // same-size noise, no colour error
  const gs = gramGradScale(tgt, 1, h, w);
  // hand check of the scale: sin waves of periods 8π and 12π have tiny Sobel responses
  assert(gs > 5, `scale ${gs}`);
  const ratio = (s: number) =>
    gramLoss(noisy, tgt, h, w, undefined, 1, s) / gramLoss(shifted, tgt, h, w, undefined, 1, s);
  const plain = ratio(1), scaled = ratio(gs);
  assert(plain < 0.2, `plain: noise / colour error = ${plain}`);
  assert(scaled > 20 * plain, `scaled: noise / colour error = ${scaled} vs plain ${plain}`);
});
