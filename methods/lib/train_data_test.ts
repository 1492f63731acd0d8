import assert from "node:assert/strict";
import { InputError } from "../../harness/errors.ts";
import type { RgbImage } from "../../harness/types.ts";
import { sparseFromRows } from "./pairing/sparse.ts";
import { alignedSampler, effectiveCrop, pseudoPairSampler, uniformSampler } from "./train_data.ts";

const flat = (v: number, w = 8, h = 8): RgbImage => ({
  width: w,
  height: h,
  data: new Float32Array(w * h * 3).fill(v),
});
/** Pixel value encodes its position: R = x/100, G = y/100, B = id/100. */
const coded = (id: number, w: number, h: number): RgbImage => {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set([x / 100, y / 100, id / 100], (y * w + x) * 3);
  }
  return { width: w, height: h, data };
};

Deno.test("pseudo targets are drawn ∝ weight among the top 8; empty rows draw uniformly", () => {
  const targets = Array.from({ length: 12 }, (_, j) => flat(j / 16));
  const sources = [flat(0), flat(0.5)];
  const row0 = [{ j: 1, w: 0.75 }, { j: 2, w: 0.25 }];
  const pairs = sparseFromRows([row0, []], 12);
  const s = pseudoPairSampler(sources, targets, pairs, { batchSize: 50, crop: 4, seed: 3 });
  const counts = [new Array(12).fill(0), new Array(12).fill(0)];
  for (let step = 0; step < 80; step++) {
    const b = s.next();
    for (let k = 0; k < b.n; k++) {
      const row = b.source[k * 48] > 0.25 ? 1 : 0;
      counts[row][Math.round(b.target[k * 48] * 16)]++;
    }
  }
  // 4000 draws, 2000 per source (epochs): row 0 only ever gives 1 or 2, at 3:1.
  const n0 = counts[0].reduce((a: number, c: number) => a + c, 0);
  assert.equal(n0, 2000);
  assert.equal(counts[0][1] + counts[0][2], 2000);
  assert.ok(Math.abs(counts[0][1] / n0 - 0.75) < 0.03, `P(1) = ${counts[0][1] / n0}`);
  // The empty row draws all 12 targets uniformly (≈ 167 each).
  for (let j = 0; j < 12; j++) assert.ok(Math.abs(counts[1][j] - 2000 / 12) < 50, `${j}`);
});

Deno.test("only the 8 heaviest pseudo targets are ever drawn", () => {
  const targets = Array.from({ length: 10 }, (_, j) => flat(j / 16));
  const row = Array.from({ length: 10 }, (_, j) => ({ j, w: 10 - j }));
  const s = pseudoPairSampler([flat(0)], targets, sparseFromRows([row], 10), {
    batchSize: 64,
    crop: 2,
    seed: 1,
  });
  const seen = new Set<number>();
  for (let step = 0; step < 20; step++) {
    const b = s.next();
    for (let k = 0; k < b.n; k++) seen.add(Math.round(b.target[k * 12] * 16));
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("crops are windows of the images; an epoch visits each source once; seeds repeat", () => {
  const sources = Array.from({ length: 5 }, (_, i) => coded(i, 20, 16));
  const targets = [coded(50, 30, 30)];
  const s = uniformSampler(sources, targets, { batchSize: 5, crop: 6, seed: 9 });
  const b = s.next();
  assert.equal(b.h, 6);
  const ids = new Set<number>();
  for (let k = 0; k < 5; k++) {
    const o = k * 108;
    ids.add(Math.round(b.source[o + 2] * 100));
    const x0 = Math.round(b.source[o] * 100), y0 = Math.round(b.source[o + 1] * 100);
    assert.ok(x0 >= 0 && x0 <= 14 && y0 >= 0 && y0 <= 10);
    // Last pixel of the crop is (x0 + 5, y0 + 5).
    assert.ok(Math.abs(b.source[o + 105] - (x0 + 5) / 100) < 1e-6);
    assert.ok(Math.abs(b.source[o + 106] - (y0 + 5) / 100) < 1e-6);
  }
  assert.equal(ids.size, 5);
  const again = uniformSampler(sources, targets, { batchSize: 5, crop: 6, seed: 9 }).next();
  assert.deepEqual(again.source, b.source);
  assert.deepEqual(again.target, b.target);
  assert.equal(effectiveCrop(512, sources, targets), 16);
});

Deno.test("aligned (oracle) batches crop source and truth at the same place", () => {
  const sources = [coded(1, 12, 12), coded(2, 12, 12)];
  const truths = sources.map((s) => ({ ...s, data: s.data.map((v) => v * 2) }));
  const b = alignedSampler(sources, truths, { batchSize: 4, crop: 5, seed: 2 }).next();
  for (let i = 0; i < b.source.length; i++) {
    assert.ok(Math.abs(b.target[i] - 2 * b.source[i]) < 1e-6);
  }
  assert.throws(
    () =>
      alignedSampler(sources, [truths[0], flat(0, 4, 4)], { batchSize: 1, crop: 4, seed: 1 }, [
        "a_0",
        "a_1",
      ]),
    (e: unknown) => e instanceof InputError && e.file === "a_1",
  );
});
