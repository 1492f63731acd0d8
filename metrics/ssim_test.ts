import assert from "node:assert/strict";
import { InputError } from "../harness/errors.ts";
import type { RgbImage } from "../harness/types.ts";
import { createRng } from "../harness/random.ts";
import { ssim, ssimWindow } from "./ssim.ts";

function constant(width: number, height: number, v: number): RgbImage {
  return { width, height, data: new Float32Array(width * height * 3).fill(v) };
}

function noise(width: number, height: number, seed: number): RgbImage {
  const rng = createRng(seed);
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256) / 255;
  return { width, height, data };
}

Deno.test("ssimWindow: scipy's 11-tap Gaussian (σ 1.5, truncate 3.5) and the 7×7 box", () => {
  const g = ssimWindow("ntire");
  assert.equal(g.weights.length, 11); // radius int(3.5·1.5 + 0.5) = 5
  assert.equal(g.covNorm, 1);
  // Centre tap from scipy 1.10: scipy.ndimage._filters._gaussian_kernel1d(1.5, 0, 5)[5].
  assert.ok(Math.abs(g.weights[5] - 0.26601172486179436) < 1e-15);
  assert.ok(Math.abs(g.weights.reduce((s, w) => s + w, 0) - 1) < 1e-15);
  const box = ssimWindow("skimage-default");
  assert.equal(box.weights.length, 7);
  assert.equal(box.covNorm, 49 / 48);
});

Deno.test("ssim: identical images give exactly 1 in both profiles", () => {
  const a = noise(23, 17, 1);
  assert.equal(ssim(a, { ...a, data: a.data.slice() }), 1);
  assert.equal(ssim(a, a, { profile: "skimage-default" }), 1);
});

Deno.test("ssim: constant images, hand-computed", () => {
  // No variance: S = (2μxμy + C1) / (μx² + μy² + C1), C1 = 0.01².
  const x = Math.fround(0.2);
  const y = Math.fround(0.6);
  const want = (2 * x * y + 1e-4) / (x * x + y * y + 1e-4);
  const got = ssim(constant(12, 11, 0.2), constant(12, 11, 0.6));
  assert.ok(Math.abs(got - want) < 1e-12, `${got} vs ${want}`);
  assert.ok(Math.abs(want - 0.6000999750062484) < 1e-6);
  const box = ssim(constant(9, 8, 0.2), constant(9, 8, 0.6), { profile: "skimage-default" });
  assert.ok(Math.abs(box - want) < 1e-12);
});

Deno.test("ssim: symmetric, and lower for more noise", () => {
  const gt = noise(40, 30, 2);
  const mild = { ...gt, data: gt.data.map((v, i) => Math.min(1, v + ((i % 7) - 3) / 255)) };
  const strong = noise(40, 30, 3);
  assert.ok(Math.abs(ssim(mild, gt) - ssim(gt, mild)) < 1e-12);
  assert.ok(ssim(mild, gt) > ssim(strong, gt));
  assert.ok(ssim(strong, gt) < 0.1);
});

Deno.test("ssim: image smaller than the window, size mismatch, NaN → InputError", () => {
  const small = noise(10, 13, 4);
  const names = { pred: "p.png", gt: "g.png" };
  assert.throws(
    () => ssim(small, small, { names }),
    (e) => e instanceof InputError && e.file === "p.png" && /11×11/.test(e.reason),
  );
  // The 7×7 profile accepts it, as scikit-image does.
  assert.equal(ssim(small, small, { profile: "skimage-default" }), 1);
  assert.throws(
    () => ssim(noise(7, 6, 1), noise(7, 6, 2), { profile: "skimage-default" }),
    InputError,
  );
  assert.throws(() => ssim(noise(12, 12, 1), noise(12, 11, 1), { names }), InputError);
  const bad = noise(12, 12, 5);
  bad.data[100] = NaN;
  assert.throws(
    () => ssim(noise(12, 12, 6), bad, { names }),
    (e) => e instanceof InputError && e.file === "g.png",
  );
  assert.throws(() => ssim(bad, bad, { profile: "x" as "ntire" }), RangeError);
});
