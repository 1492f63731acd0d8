import assert from "node:assert/strict";
import { createRng } from "../random.ts";
import { runPython } from "../testing/python.ts";
import { pairedDifference } from "./bootstrap.ts";
import { detectableDifference, normalQuantile } from "./power.ts";

Deno.test("normalQuantile equals scipy.stats.norm.ppf to 1e-8", async () => {
  const ps = [1e-6, 0.001, 0.02, 0.0243, 0.1, 0.5, 0.8, 0.95, 0.975, 0.99, 0.9999];
  const ref = JSON.parse(
    await runPython(
      `import json, sys; from scipy.stats import norm; print(json.dumps([float(norm.ppf(p)) for p in ${
        JSON.stringify(ps)
      }]))`,
    ),
  ) as number[];
  ps.forEach((p, i) => {
    const ours = normalQuantile(p);
    assert.ok(
      Math.abs(ours - ref[i]) < 1e-8 * Math.max(1, Math.abs(ref[i])),
      `${p}: ${ours} vs ${ref[i]}`,
    );
  });
  assert.throws(() => normalQuantile(0), /must be in \(0, 1\)/);
  assert.throws(() => normalQuantile(1), /must be in \(0, 1\)/);
});

Deno.test("a true difference of the detectable size is found about 80% of the time", () => {
  // Images with a large common spread (sd 4 dB) and a paired difference of sd 0.6 dB over 40
  // images: SE ≈ 0.6/√40 = 0.095, so the detectable difference ≈ 2.80·0.095 = 0.27 dB.
  const n = 40;
  const rng = createRng(3);
  const sample = (shift: number) => {
    const base = Array.from({ length: n }, () => 25 + 4 * rng.normal());
    return [base.map((x) => x + shift + 0.6 * rng.normal()), base];
  };
  const mde = detectableDifference(sample(0), { resamples: 2000 }).median;
  assert.ok(Math.abs(mde - 2.8016 * 0.6 / Math.sqrt(n)) < 0.04, `mde ${mde}`);
  let found = 0;
  const trials = 300;
  for (let t = 0; t < trials; t++) {
    const [a, b] = sample(mde);
    if (pairedDifference(a, b, { seed: t, resamples: 400 }).separated) found++;
  }
  // Binomial(300, 0.8): 0.8 ± 3 sd = [0.73, 0.87]. The percentile bootstrap at n = 40
  // under-covers slightly, so detection runs a little above 0.8.
  assert.ok(found / trials > 0.72 && found / trials < 0.9, `detected ${found / trials}`);
});

Deno.test("detectableDifference: clustered units widen it, more power widens it, bad input throws", () => {
  const rng = createRng(8);
  const groups: string[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let s = 0; s < 8; s++) {
    const sceneEffect = 0.8 * rng.normal(); // correlated within a scene
    for (let p = 0; p < 10; p++) {
      groups.push(`s${s}`);
      b.push(20);
      a.push(20 + sceneEffect + 0.2 * rng.normal());
    }
  }
  const flat = detectableDifference([a, b]);
  const clustered = detectableDifference([a, b], { groups });
  assert.ok(clustered.median > 2.5 * flat.median, `${flat.median} vs ${clustered.median}`);
  const strict = detectableDifference([a, b], { groups, power: 0.95 });
  assert.ok(strict.median > clustered.median);
  assert.deepEqual(
    [clustered.pairs, detectableDifference([a, b, a.map((x) => x + 1)]).pairs],
    [1, 3],
  );
  assert.throws(() => detectableDifference([a]), /needs two competitors/);
  assert.throws(() => detectableDifference([a, b.slice(1)]), /different images/);
});
