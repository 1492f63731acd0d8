import assert from "node:assert/strict";
import { forwardColorCnn } from "./forward.ts";
import { initColorCnn, seededRandom } from "./init.ts";
import { createJsKernels } from "./kernels.ts";
import { createWasmKernels } from "./kernels_wasm.ts";
import { CnnShard } from "./net.ts";
import { relError, runTorchRef } from "./torch_ref.ts";
import { InputError } from "../../../harness/errors.ts";
import { DEFAULT_LOSS_WEIGHTS } from "./losses.ts";

function image(seed: number, width: number, height: number) {
  const r = seededRandom(seed);
  return { width, height, data: Float32Array.from({ length: width * height * 3 }, () => r()) };
}

Deno.test("strip inference equals a whole-image pass for every strip height and size", async () => {
  const w = initColorCnn(5);
  w.bh.set([0.05, -0.05, 0]);
  const whole = new CnnShard(await createWasmKernels(), 128);
  whole.setWeights(w);
  for (const [width, height] of [[2, 2], [7, 5], [13, 11], [33, 40]]) {
    const x = image(width * 100 + height, width, height);
    const ref = whole.forward(x.data, 1, height, width);
    for (const strip of [1, 2, 3, 32]) {
      const out = forwardColorCnn(w, x, { strip });
      assert.equal(out.width, width);
      assert(relError(out.data, ref) < 1e-6, `${width}×${height} strip ${strip}`);
    }
    const js = forwardColorCnn(w, x, { strip: 4, kernels: createJsKernels() });
    assert(relError(js.data, ref) < 1e-5, `${width}×${height} js kernels`);
  }
});

Deno.test("inference equals torch on an odd-sized image", async () => {
  const w = initColorCnn(9);
  const x = image(3, 21, 17);
  const ref = await runTorchRef({ mode: "net", weights: DEFAULT_LOSS_WEIGHTS, hidden: 128 }, {
    src: { data: x.data, shape: [1, 17, 21, 3] },
    tgt: { data: x.data, shape: [1, 17, 21, 3] },
    w1: { data: w.w1, shape: [w.w1.length] },
    b1: { data: w.b1, shape: [128] },
    w2: { data: w.w2, shape: [w.w2.length] },
    b2: { data: w.b2, shape: [3] },
    wh: { data: w.wh, shape: [9] },
    bh: { data: w.bh, shape: [3] },
  });
  const out = forwardColorCnn(w, x, { strip: 5 });
  assert(relError(out.data, ref.out) < 1e-5, `rel. error ${relError(out.data, ref.out)}`);
});

Deno.test("inference rejects images below 2×2 and mis-sized data with an InputError", () => {
  const w = initColorCnn(1);
  assert.throws(() => forwardColorCnn(w, image(1, 1, 5), { name: "a.png" }), InputError);
  assert.throws(
    () => forwardColorCnn(w, { width: 4, height: 4, data: new Float32Array(10) }),
    InputError,
  );
});
