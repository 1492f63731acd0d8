import assert from "node:assert/strict";
import { InputError } from "../harness/errors.ts";
import { createRng } from "../harness/random.ts";
import type { RgbImage } from "../harness/types.ts";
import { deltaE2000 } from "./ciede2000.ts";
import { MetricPool } from "./pool.ts";
import { ssim } from "./ssim.ts";

function photoLike(width: number, height: number, seed: number): RgbImage {
  // Smooth gradients plus noise, quantised to 8 bits: structure for SSIM, hue spread for ΔE.
  const rng = createRng(seed);
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 3 * (y * width + x);
      const base = [x / width, y / height, 0.5 + 0.4 * Math.sin((x + y) / 9)];
      for (let c = 0; c < 3; c++) {
        const v = base[c] + 0.05 * rng.normal();
        data[o + c] = Math.round(255 * Math.min(1, Math.max(0, v))) / 255;
      }
    }
  }
  return { width, height, data };
}

Deno.test("MetricPool: bands across workers equal the single-threaded metrics", async () => {
  using pool = MetricPool.create({ workers: 2, minPixels: 0 });
  assert.equal(pool.size, 2);
  // Odd sizes, and one whose output rows do not split evenly into three bands.
  for (const [w, h] of [[37, 29], [64, 11], [15, 40]]) {
    const gt = photoLike(w, h, w);
    const pred = photoLike(w, h, w + 1);
    const [s, sd, de] = await Promise.all([
      pool.ssim(pred, gt),
      pool.ssim(pred, gt, { profile: "skimage-default" }),
      pool.deltaE2000(pred, gt),
    ]);
    assert.ok(Math.abs(s - ssim(pred, gt)) < 1e-12, `ssim ${w}×${h}`);
    const sd1 = ssim(pred, gt, { profile: "skimage-default" });
    assert.ok(Math.abs(sd - sd1) < 1e-12, `ssim default ${w}×${h}`);
    assert.ok(Math.abs(de - deltaE2000(pred, gt)) < 1e-12, `ΔE ${w}×${h}`);
    assert.ok(de > 1 && s < 0.9); // the pair really differs
  }
});

Deno.test("MetricPool: bad input rejects with InputError; closed pool rejects", async () => {
  const pool = MetricPool.create({ workers: 1, minPixels: 0 });
  const a = photoLike(12, 12, 1);
  const names = { pred: "p.png", gt: "g.png" };
  await assert.rejects(() => pool.ssim(a, photoLike(12, 13, 1), { names }), InputError);
  await assert.rejects(
    () => pool.ssim(photoLike(10, 30, 1), photoLike(10, 30, 2), { names }),
    (e) => e instanceof InputError && /11×11/.test(e.reason),
  );
  const bad = photoLike(12, 12, 2);
  bad.data[7] = NaN;
  await assert.rejects(
    () => pool.deltaE2000(bad, a, { names }),
    (e) => e instanceof InputError && e.file === "p.png",
  );
  pool.close();
  await assert.rejects(() => pool.deltaE2000(a, a), /closed/);
  assert.throws(() => MetricPool.create({ workers: 0 }), RangeError);
});
