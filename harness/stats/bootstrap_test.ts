import assert from "node:assert/strict";
import { createRng } from "../random.ts";
import { runPython } from "../testing/python.ts";
import {
  bootstrapDraws,
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
  // Strict order by mean PSNR: a (+2), then b and b2 (+1, b2 with zero-mean jitter), then c.
  assert.equal(res[0].name, "a");
  assert.deepEqual(new Set(res.slice(1, 3).map((r) => r.name)), new Set(["b", "b2"]));
  assert.equal(res[3].name, "c");
  assert.deepEqual(res.map((r) => r.order), [1, 2, 3, 4]);
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

/** NumPy reference: clustered bootstrap means from given draws, then np.percentile (linear). */
const NUMPY_BOOTSTRAP = `
import json, sys
import numpy as np
d = json.load(sys.stdin)
units = {}
for i, g in enumerate(d["groups"]):
    units.setdefault(g, []).append(i)
units = list(units.values())
draws = np.array(d["draws"]).reshape(-1, len(units))
out = []
for series in d["series"]:
    x = np.asarray(series, dtype=np.float64)
    means = np.array([np.concatenate([x[units[k]] for k in row]).mean() for row in draws])
    a = (1 - d["level"]) / 2 * 100
    out.append([float(x.mean()), float(np.percentile(means, a)), float(np.percentile(means, 100 - a))])
print(json.dumps(out))
`;

Deno.test("bootstrapMean and pairedDifference equal a NumPy bootstrap fed the same draws", async () => {
  const rng = createRng(31);
  const names: string[] = [];
  const a: number[] = [];
  const b: number[] = [];
  // 7 scenes of unequal size (3–9 patches), so whole-cluster resampling matters.
  for (let s = 0; s < 7; s++) {
    const effect = 2 * rng.normal();
    for (let p = 0; p < 3 + s; p++) {
      names.push(`sc${s}_${p}`);
      a.push(22 + effect + 0.5 * rng.normal());
      b.push(21.7 + effect + 0.5 * rng.normal());
    }
  }
  const groups = sceneGroups(names)!;
  for (const [opts, level] of [[{ seed: 4 }, 0.95], [{ seed: 9, level: 0.8 }, 0.8]] as const) {
    const draws = bootstrapDraws(7, opts);
    const diff = a.map((x, i) => x - b[i]);
    const ref = JSON.parse(
      await runPython(NUMPY_BOOTSTRAP, [], {
        stdin: JSON.stringify({ groups, draws: Array.from(draws), series: [a, diff], level }),
      }),
    ) as number[][];
    const ours = [
      bootstrapMean(a, { ...opts, groups }),
      pairedDifference(a, b, { ...opts, groups }),
    ];
    ours.forEach((iv, k) => {
      const [m, lo, hi] = ref[k];
      assert.ok(Math.abs(iv.mean - m) < 1e-12, `mean ${iv.mean} vs numpy ${m}`);
      assert.ok(Math.abs(iv.lo - lo) < 1e-12, `level ${level}: lo ${iv.lo} vs numpy ${lo}`);
      assert.ok(Math.abs(iv.hi - hi) < 1e-12, `level ${level}: hi ${iv.hi} vs numpy ${hi}`);
    });
  }
});

Deno.test("bootstrap draws are uniform over every unit, and the seed is used", () => {
  const n = 10;
  const draws = bootstrapDraws(n, { resamples: 3000, seed: 2 });
  assert.equal(draws.length, 3000 * n);
  const counts = new Float64Array(n);
  for (const d of draws) counts[d]++;
  // Pearson χ² with 9 degrees of freedom: P(χ² > 27.9) = 0.001. A draw that skips the last unit
  // (or favours any) gives χ² in the thousands.
  const expected = draws.length / n;
  const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  assert.ok(chi2 < 27.9, `χ² ${chi2}, counts ${counts}`);
  assert.ok(counts[n - 1] > 0 && counts[0] > 0);
  // Default seed is 0; other seeds give other draws and other intervals.
  assert.deepEqual(
    bootstrapDraws(n, { resamples: 50 }),
    bootstrapDraws(n, { resamples: 50, seed: 0 }),
  );
  assert.notDeepEqual(
    bootstrapDraws(n, { resamples: 50, seed: 1 }),
    bootstrapDraws(n, { resamples: 50 }),
  );
  const xs = normalSample(30, 20, 3, 12);
  const s1 = bootstrapMean(xs, { seed: 1 });
  const s2 = bootstrapMean(xs, { seed: 2 });
  assert.ok(s1.lo !== s2.lo && s1.hi !== s2.hi, JSON.stringify([s1, s2]));
  assert.throws(() => bootstrapDraws(3, { resamples: 0 }), /resamples must be a whole number/);
});

Deno.test("bootstrapMean's default level is 95%: equal to an explicit 0.95, wider than 0.94", () => {
  const xs = normalSample(40, 20, 3, 13);
  const dflt = bootstrapMean(xs, { seed: 5 });
  assert.deepEqual(dflt, bootstrapMean(xs, { seed: 5, level: 0.95 }));
  const narrower = bootstrapMean(xs, { seed: 5, level: 0.94 });
  assert.ok(dflt.lo < narrower.lo && dflt.hi > narrower.hi);
});
