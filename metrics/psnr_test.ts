import assert from "node:assert/strict";
import { InputError } from "../harness/errors.ts";
import type { RgbImage } from "../harness/types.ts";
import { cappedPsnr, pooledPsnr, psnr, PSNR_CAP_DB, sumSquaredError } from "./psnr.ts";

function img(width: number, height: number, values: number[]): RgbImage {
  return { width, height, data: Float32Array.from(values) };
}

Deno.test("psnr: hand-computed case", () => {
  // Errors 0, 0, 0, 0.25, 0, 0.25 (all exact in float32): MSE = 0.125 / 6 = 1/48,
  // PSNR = 10·log10(48) = 16.812412373755873 dB.
  const gt = img(2, 1, [0.5, 0.5, 0.5, 0.25, 0.5, 0.75]);
  const pred = img(2, 1, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  assert.equal(sumSquaredError(pred, gt), 0.125);
  assert.ok(Math.abs(psnr(pred, gt) - 16.812412373755873) < 1e-12);
});

Deno.test("psnr: one 8-bit step everywhere is 20·log10(255) dB", () => {
  const n = 7 * 5 * 3;
  const gt = img(7, 5, Array.from({ length: n }, (_, i) => (i % 200) / 255));
  const pred = img(7, 5, Array.from({ length: n }, (_, i) => (i % 200 + 1) / 255));
  // 48.130803608679105 = 20·log10(255); float32 storage of k/255 moves it by < 1e-5 dB.
  assert.ok(Math.abs(psnr(pred, gt) - 48.130803608679105) < 1e-5);
});

Deno.test("psnr: identical images give Infinity, capped to PSNR_CAP_DB", () => {
  const a = img(3, 2, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 0, 0.5, 0, 0, 0, 1, 1, 1]);
  const v = psnr(a, { ...a, data: a.data.slice() });
  assert.equal(v, Infinity);
  assert.equal(PSNR_CAP_DB, 100);
  assert.equal(cappedPsnr(v), 100);
  assert.equal(cappedPsnr(35.25), 35.25);
  assert.throws(() => cappedPsnr(NaN), RangeError);
});

Deno.test("pooledPsnr: pools squared errors before the logarithm", () => {
  // Pair 1: 1 pixel, SSE 0.25 over 3 values. Pair 2: 2 pixels identical, SSE 0 over 6 values.
  // Pooled MSE = 0.25 / 9, PSNR = 10·log10(36) = 15.563025007672874 dB; the mean of
  // per-image PSNRs would be infinite.
  const p1 = img(1, 1, [0.5, 0.5, 0.5]);
  const g1 = img(1, 1, [0.5, 0.5, 0]);
  const p2 = img(2, 1, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  const v = pooledPsnr([{ pred: p1, gt: g1 }, { pred: p2, gt: p2 }]);
  assert.ok(Math.abs(v - 15.563025007672874) < 1e-12);
  assert.ok(Math.abs(pooledPsnr([{ pred: p1, gt: g1 }]) - psnr(p1, g1)) < 1e-12);
  assert.equal(pooledPsnr([{ pred: p2, gt: p2 }]), Infinity);
  assert.throws(() => pooledPsnr([]), InputError);
});

Deno.test("psnr: size mismatch and non-finite values are InputErrors naming the file", () => {
  const a = img(2, 1, [0, 0, 0, 0, 0, 0]);
  const b = img(1, 2, [0, 0, 0, 0, 0, 0]);
  const names = { pred: "pred/0001.png", gt: "gt/0001.png" };
  assert.throws(
    () => psnr(a, b, { names }),
    (e) => e instanceof InputError && e.file === "pred/0001.png" && /differs/.test(e.reason),
  );
  const nan = img(2, 1, [0, 0, 0, 0, NaN, 0]);
  assert.throws(
    () => psnr(a, nan, { names }),
    (e) => e instanceof InputError && e.file === "gt/0001.png" && /non-finite/.test(e.reason),
  );
  const inf = img(2, 1, [Infinity, 0, 0, 0, 0, 0]);
  assert.throws(() => psnr(inf, a), (e) => e instanceof InputError && e.file === "pred");
  // ∞ in both at the same place must not cancel out.
  assert.throws(() => psnr(inf, inf), InputError);
  const short = { width: 2, height: 1, data: new Float32Array(5) };
  assert.throws(() => psnr(short, a), (e) => e instanceof InputError && /buffer/.test(e.reason));
  assert.throws(() => pooledPsnr([{ pred: a, gt: b, names }]), InputError);
});
