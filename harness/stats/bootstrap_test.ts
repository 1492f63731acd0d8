import assert from "node:assert/strict";
import { createRng } from "../random.ts";
import { runPython } from "../testing/python.ts";
import {
  bootstrapMean,
  pairedDifference,
  percentile,
  rankWithTies,
  sceneGroups,
} from "./bootstrap.ts";

function normalSample(n: number, mu: number, sd: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => mu + sd * rng.normal());
}

Deno.test("percentile interpolates like numpy.percentile (linear)", async () => {
  const xs = Float64Array.from([1, 2, 4, 8, 16, 32, 64]).sort();
  const ref = (await runPython(
    "import numpy as np; print(' '.join(repr(float(np.percentile([1,2,4,8,16,32,64], q))) for q in (2.5, 50, 97.5, 31)))",
  )).trim().split(" ").map(Number);
  const ours = [0.025, 0.5, 0.975, 0.31].map((q) => percentile(xs, q));
  ours.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-12, `${v} vs numpy ${ref[i]}`));
});

Deno.test("bootstrapMean is deterministic and matches the normal-theory interval", () => {
  const xs = normalSample(400, 25, 2, 7);
  const a = bootstrapMean(xs, { seed: 3 });
  const b = bootstrapMean(xs, { seed: 3 });
  assert.deepEqual(a, b);
  let m = 0;
  for (const x of xs) m += x;
  m /= xs.length;
  let v = 0;
  for (const x of xs) v += (x - m) ** 2;
  const se = Math.sqrt(v / xs.length) / Math.sqrt(xs.length);
  assert.ok(Math.abs(a.mean - m) < 1e-12);
  // Percentile bootstrap ≈ mean ± 1.96·se for a large normal sample.
  assert.ok(
    Math.abs(a.hi - a.lo - 2 * 1.96 * se) / (2 * 1.96 * se) < 0.12,
    `${a.lo} ${a.hi} ${se}`,
  );
  assert.ok(a.lo < m && m < a.hi);
});

Deno.test("bootstrap 95% intervals cover the true mean about 95% of the time", () => {
  let covered = 0;
  const trials = 200;
  for (let t = 0; t < trials; t++) {
    const xs = normalSample(60, 10, 3, 1000 + t);
    const iv = bootstrapMean(xs, { seed: t, resamples: 1000 });
    if (iv.lo <= 10 && 10 <= iv.hi) covered++;
  }
  // Binomial(200, 0.95) lies in [178, 197] with probability > 0.999; the percentile bootstrap
  // under-covers slightly for n = 60, hence the lower bound of 0.87.
  assert.ok(covered / trials > 0.87 && covered / trials < 0.99, `coverage ${covered / trials}`);
});

Deno.test("bootstrapMean rejects empty and non-finite input", () => {
  assert.throws(() => bootstrapMean([]), RangeError);
  assert.throws(() => bootstrapMean([1, NaN]), /value 1 is NaN/);
});

Deno.test("pairedDifference separates a consistent gain even under large between-image spread", () => {
  const base = normalSample(50, 25, 5, 11);
  const better = base.map((x, i) => x + 0.3 + 0.05 * Math.sin(i));
  const d = pairedDifference(better, base);
  assert.ok(d.separated && d.lo > 0.2 && d.hi < 0.4, JSON.stringify(d));
  // Unpaired intervals overlap heavily: the pairing is what makes the gain significant.
  const a = bootstrapMean(better);
  const b = bootstrapMean(base);
  assert.ok(a.lo < b.hi);
});

Deno.test("rankWithTies: separated methods get distinct ranks, indistinguishable ones share", () => {
  const base = normalSample(40, 24, 3, 5);
  const noise = normalSample(40, 0, 0.05, 6);
  const mk = (name: string, shift: number, jitter = 0) => ({
    name,
    psnr: base.map((x, i) => x + shift + jitter * noise[i]),
    ssim: base.map(() => 0.8),
    deltaE2000: base.map(() => 5),
  });
  const res = rankWithTies([mk("c", 0), mk("a", 2), mk("b", 1), mk("b2", 1, 1)]);
  assert.deepEqual(
    res.map((r) => r.name),
    ["a", "b", "b2", "c"].includes(res[1].name) ? res.map((r) => r.name) : [],
  );
  const byName = Object.fromEntries(res.map((r) => [r.name, r]));
  assert.equal(byName.a.rank, 1);
  assert.equal(byName.b.rank, 2);
  assert.equal(byName.b2.rank, 2); // b and b2 differ by zero-mean noise: a shared rank
  assert.equal(byName.c.rank, 4);
  assert.equal(byName.a.rankLo, 1);
  assert.equal(byName.a.rankHi, 1);
  assert.ok(byName.b.rankLo === 2 && byName.b.rankHi === 3);
});

Deno.test("rankWithTies breaks equal PSNR by SSIM then ΔE2000 in the strict order", () => {
  const p = [20, 22, 24];
  const res = rankWithTies([
    { name: "x", psnr: p, ssim: [0.5, 0.5, 0.5], deltaE2000: [4, 4, 4] },
    { name: "y", psnr: p, ssim: [0.6, 0.6, 0.6], deltaE2000: [9, 9, 9] },
    { name: "z", psnr: p, ssim: [0.6, 0.6, 0.6], deltaE2000: [3, 3, 3] },
  ]);
  assert.deepEqual(res.map((r) => r.name), ["z", "y", "x"]);
  assert.deepEqual(res.map((r) => r.rank), [1, 1, 1]);
  assert.throws(
    () => rankWithTies([{ name: "q", psnr: [1], ssim: [1, 2], deltaE2000: [1] }]),
    /same 1 images/,
  );
});

Deno.test("clustered bootstrap resamples scenes: wider intervals for correlated patches", () => {
  // 6 scenes × 8 patches; patches of a scene share a scene effect (sd 3) plus small noise.
  const rng = createRng(21);
  const values: number[] = [];
  const names: string[] = [];
  for (let s = 0; s < 6; s++) {
    const effect = 3 * rng.normal();
    for (let p = 0; p < 8; p++) {
      values.push(20 + effect + 0.2 * rng.normal());
      names.push(`scene${s}_${p}`);
    }
  }
  const groups = sceneGroups(names)!;
  assert.deepEqual(groups.slice(7, 9), ["scene0", "scene1"]);
  const flat = bootstrapMean(values, { seed: 1 });
  const clustered = bootstrapMean(values, { seed: 1, groups });
  assert.equal(flat.mean, clustered.mean);
  // Scene-level standard error ≈ sd(scene means)/√6 vs the naive sd(all)/√48: about 2.5× wider.
  assert.ok(
    clustered.hi - clustered.lo > 2 * (flat.hi - flat.lo),
    `${JSON.stringify([flat, clustered])}`,
  );
  // Equal-size clusters: the interval matches a plain bootstrap of the 6 scene means.
  const sceneMeans = Array.from(
    { length: 6 },
    (_, s) => values.slice(8 * s, 8 * s + 8).reduce((a, b) => a + b) / 8,
  );
  const ofMeans = bootstrapMean(sceneMeans, { seed: 1 });
  assert.ok(
    Math.abs(ofMeans.lo - clustered.lo) < 1e-9 && Math.abs(ofMeans.hi - clustered.hi) < 1e-9,
  );
  assert.equal(sceneGroups(["a_1", "b_2"]), undefined); // one image per scene: images are the unit
  assert.equal(sceneGroups(["a_1", "nounderscore"]), undefined);
  assert.throws(() => bootstrapMean([1, 2, 3], { groups: ["a", "b"] }), /2 groups for 3 values/);
});

Deno.test("rankWithTies is monotone: a noisy entry below a separated one never outranks it", () => {
  const base = normalSample(30, 24, 3, 8);
  const tight = normalSample(30, 0, 0.05, 10);
  const flat = (x: ArrayLike<number>) => Array.from(x, () => 0.8);
  const a = base.map((x, i) => x + 2 + tight[i]);
  const b = base.map((x, i) => x + 1.5 - tight[i]);
  // c: b − 0.2 ± 5 alternating: far too noisy to be separated from b or a. Counting only the
  // entries significantly better than it would rank c 1, above b.
  const c = b.map((x, i) => x - 0.2 + (i % 2 ? 5 : -5));
  const res = rankWithTies([
    { name: "c", psnr: c, ssim: flat(c), deltaE2000: flat(c) },
    { name: "b", psnr: b, ssim: flat(b), deltaE2000: flat(b) },
    { name: "a", psnr: a, ssim: flat(a), deltaE2000: flat(a) },
  ]);
  assert.deepEqual(res.map((r) => [r.name, r.rank]), [["a", 1], ["b", 2], ["c", 2]]);
  for (let k = 1; k < res.length; k++) assert.ok(res[k].rank >= res[k - 1].rank);
});
