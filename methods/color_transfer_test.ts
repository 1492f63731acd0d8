import assert from "node:assert/strict";
import type { MethodContext } from "../harness/method.ts";
import { createRng } from "../harness/random.ts";
import { runPython } from "../harness/testing/python.ts";
import type { RawImage, RgbImage, Sample } from "../harness/types.ts";
import {
  channelStats,
  colorTransferMethod,
  fromSpace,
  StatsAccumulator,
  toSpace,
  transferStats,
} from "./color_transfer.ts";

const ctx = (options: Record<string, string | number>): MethodContext => ({
  seed: 0,
  device: "cpu",
  options,
  workDir: "/tmp",
  progress: () => {},
  log: () => {},
});

const sample = <T>(name: string, v: T): Sample<T> => ({ name, load: () => Promise.resolve(v) });

function uniform(w: number, h: number, rgb: [number, number, number]): RgbImage {
  const data = new Float32Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = rgb[i % 3];
  return { width: w, height: h, data };
}

function randomRaw(seed: number, w = 16, h = 16): RawImage {
  const rng = createRng(seed);
  const data = new Float32Array(w * h * 4);
  for (let i = 0; i < data.length; i++) data[i] = 0.15 + 0.1 * rng.next();
  return { width: w, height: h, data };
}

Deno.test("transferStats: hand-checked channel mapping", () => {
  // Channel 0 holds 1 and 3 (mean 2, std 1); target mean 10, std 2 → 8 and 12.
  // Channel 1 is flat (std 0): only its mean moves. Channel 2: 0 and 4 → mean 2, std 2 → std 1.
  const v = Float64Array.of(1, 5, 0, 3, 5, 4);
  const src = channelStats(v);
  assert.deepEqual(src, { mean: [2, 5, 2], std: [1, 0, 2] });
  transferStats(v, src, { mean: [10, -1, 0], std: [2, 3, 1] });
  assert.deepEqual(Array.from(v), [8, -1, -1, 12, -1, 1]);
  assert.deepEqual(channelStats(v), { mean: [10, -1, 0], std: [2, 0, 1] });
});

Deno.test("StatsAccumulator: pooled over images, stride, and exact for offset data", () => {
  const acc = new StatsAccumulator();
  acc.add(Float64Array.of(1e6 + 1, 0, 0, 1e6 + 3, 0, 0));
  acc.add(Float64Array.of(1e6 + 5, 0, 0, 1e6 + 7, 0, 0));
  const r = acc.result();
  assert.equal(r.mean[0], 1e6 + 4);
  assert.equal(r.std[0], Math.sqrt(5)); // values 1,3,5,7 around 4: (9+1+1+9)/4 = 5
  const strided = channelStats(Float64Array.of(1, 0, 0, 100, 0, 0, 3, 0, 0), 2); // pixels 0, 2
  assert.deepEqual(strided.mean, [2, 0, 0]);
});

Deno.test("toSpace('lab') matches scikit-image rgb2lab; both spaces round-trip", async () => {
  const rng = createRng(3);
  const rgb = new Float32Array(3 * 64);
  for (let i = 0; i < rgb.length; i++) rgb[i] = rng.next();
  rgb.set([0, 0, 0, 1, 1, 1, 0.02, 0.5, 0.98], 0);
  const py = await runPython(
    `import json,sys,numpy as np
from skimage.color import rgb2lab
a=np.array(json.loads(sys.argv[1]),dtype=np.float64).reshape(1,-1,3)
print(json.dumps(rgb2lab(a).reshape(-1).tolist()))`,
    [JSON.stringify(Array.from(rgb))],
  );
  const ref: number[] = JSON.parse(py);
  const lab = toSpace(rgb, "lab");
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(lab[i] - ref[i]));
  // skimage rounds the CIE constants (0.008856, 7.787); the exact ones differ by < 1e-3.
  assert.ok(worst < 1e-3, `max |Lab - skimage| = ${worst}`);
  for (const space of ["lab", "lalphabeta"] as const) {
    const back = fromSpace(toSpace(rgb, space), space);
    let err = 0;
    // Black is below lαβ's LMS floor; every other pixel must come back.
    for (let i = space === "lab" ? 0 : 3; i < rgb.length; i++) {
      err = Math.max(err, Math.abs(back[i] - rgb[i]));
    }
    assert.ok(err < 1e-5, `${space} round trip error ${err}`);
  }
});

/** Two flat target images A and B: the target set's stats are hand-computable from their Lab. */
const A: [number, number, number] = [0.45, 0.4, 0.35];
const B: [number, number, number] = [0.55, 0.5, 0.5];

function expectedTarget(space: "lab" | "lalphabeta") {
  const a = toSpace(Float32Array.of(...A), space);
  const b = toSpace(Float32Array.of(...B), space);
  return {
    mean: [0, 1, 2].map((k) => (a[k] + b[k]) / 2),
    std: [0, 1, 2].map((k) => Math.abs(a[k] - b[k]) / 2),
  };
}

function assertStats(
  got: { mean: readonly number[]; std: readonly number[] },
  want: { mean: number[]; std: number[] },
  tol: number,
  what: string,
) {
  for (let k = 0; k < 3; k++) {
    assert.ok(Math.abs(got.mean[k] - want.mean[k]) < tol, `${what} mean[${k}] ${got.mean[k]}`);
    assert.ok(Math.abs(got.std[k] - want.std[k]) < tol, `${what} std[${k}] ${got.std[k]}`);
  }
}

for (const space of ["lab", "lalphabeta"] as const) {
  Deno.test(`color-transfer (${space}): rendered stats match the target set's`, async () => {
    const split = {
      raws: [0, 1, 2].map((i) => sample(`r_${i}`, randomRaw(i))),
      rgbs: [sample("t_0", uniform(32, 32, A)), sample("t_1", uniform(32, 32, B))],
    };
    const want = expectedTarget(space);
    const tol = space === "lab" ? 1e-3 : 1e-5;

    // Per-image mode: every rendered image has the target set's statistics.
    const perImage = await colorTransferMethod.train(split, ctx({ space, sourceStats: "image" }));
    assert.equal(perImage.params, 6);
    const out = await perImage.render(randomRaw(7));
    assert.equal(out.width, 32);
    assert.equal(out.height, 32);
    assertStats(channelStats(toSpace(out.data, space)), want, tol, "per-image");

    // Train mode: the RAW train set, rendered, has the target set's statistics when pooled.
    const global = await colorTransferMethod.train(split, ctx({ space, sourceStats: "train" }));
    assert.equal(global.params, 12);
    const pooled = new StatsAccumulator();
    for (const s of split.raws) {
      pooled.add(toSpace((await global.render(await s.load())).data, space));
    }
    assertStats(pooled.result(), want, tol, "train-set");
  });
}

Deno.test("color-transfer: bad options raise OptionError", async () => {
  const split = { raws: [sample("r_0", randomRaw(0))], rgbs: [sample("t", uniform(4, 4, A))] };
  await assert.rejects(colorTransferMethod.train(split, ctx({ space: "hsv" })), /unknown space/);
  await assert.rejects(colorTransferMethod.train(split, ctx({ stride: 0 })), /positive integer/);
  await assert.rejects(
    colorTransferMethod.train({ raws: split.raws, rgbs: [] }, ctx({})),
    /no target RGB/,
  );
});
