import assert from "node:assert/strict";
import {
  colorLoss,
  DEFAULT_LOSS_WEIGHTS,
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
