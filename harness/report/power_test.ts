import assert from "node:assert/strict";
import { createRng } from "../random.ts";
import type { ImageScore } from "../store/types.ts";
import { phasePower, powerLines } from "./power.ts";

function scores(names: string[], f: (i: number) => number): ImageScore[] {
  return names.map((image, i) => {
    const psnr = f(i);
    return { image, psnr, ssim: 0.8, deltaE2000: 30 - psnr };
  });
}

Deno.test("phasePower: scene units from patch names, common images only, lines that say so", () => {
  const rng = createRng(4);
  const names = Array.from({ length: 24 }, (_, i) => `scene${i >> 3}_${i % 8}`);
  const effects = names.map(() => rng.normal());
  const a = scores(names, (i) => 22 + effects[i]);
  const b = scores(names, (i) => 21 + effects[i] + 0.3 * rng.normal());
  const c = scores(names.slice(0, 16), (i) => 20 + effects[i] + 0.5 * rng.normal());
  const p = phasePower(new Map([["a", a], ["b", b], ["c", c]]))!;
  assert.equal(p.unit, "scenes");
  assert.equal(p.units, 2); // c has only the first two scenes
  assert.equal(p.images, 16);
  assert.equal(p.psnr.pairs, 3);
  assert.ok(0 < p.psnr.min && p.psnr.min <= p.psnr.median && p.psnr.median <= p.psnr.max);
  // ΔE here is 30 − PSNR per image: identical paired spreads, so identical detectable sizes.
  assert.ok(Math.abs(p.psnr.median - p.deltaE2000.median) < 1e-12, JSON.stringify(p));
  const lines = powerLines(p);
  assert.match(lines[0], /resample 2 scenes \(16 patches/);
  assert.match(lines[1], /PSNR \d+\.\d\d \(\d+\.\d\d–\d+\.\d\d over 3 pairs\) dB/);

  const flat = ["x1", "x2", "x3", "x4"];
  const q = phasePower(
    new Map([["a", scores(flat, (i) => i)], ["b", scores(flat, (i) => i * 1.1)]]),
  )!;
  assert.equal(q.unit, "images");
  assert.match(powerLines(q)[0], /4 images \(no scene names/);
  assert.equal(phasePower(new Map([["a", a]])), undefined);
});
