import assert from "node:assert/strict";
import { runPython } from "../../../harness/testing/python.ts";
import type { RgbImage } from "../../../harness/types.ts";
import { denoiseKernel, denoiseRgb, gaussianTaps } from "./denoise.ts";

function noisy(w: number, h: number, seed: number): RgbImage {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const data = new Float32Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = 0.3 + 0.4 * r();
  return { width: w, height: h, data };
}

// scipy.ndimage.gaussian_filter with mode "mirror" (reflect without repeating the edge) and
// truncate 3 is the same Gaussian for σ where int(3σ + 0.5) = ⌈3σ⌉ (1, 1.5, 3 here).
Deno.test("denoiseRgb equals a luma/chroma split built on scipy's gaussian_filter", async () => {
  const img = noisy(23, 17, 5);
  const cases = [{ chromaSigma: 3, lumaSigma: 0 }, { chromaSigma: 1.5, lumaSigma: 1 }];
  const out = await runPython(
    `
import json, sys, numpy as np
from scipy.ndimage import gaussian_filter
d = json.loads(sys.stdin.read())
x = np.array(d["x"], dtype=np.float64).reshape(d["h"], d["w"], 3)
L = np.array([0.299, 0.587, 0.114])
def g(s):
    if s == 0: return x.copy()
    return np.stack([gaussian_filter(x[..., c], s, mode="mirror", truncate=3.0) for c in range(3)], -1)
res = []
for c in d["cases"]:
    gc, gl = g(c["chromaSigma"]), g(c["lumaSigma"])
    y = gl @ L                              # smoothed luma
    chroma = gc - (gc @ L)[..., None]       # smoothed chroma residual
    res.append((chroma + y[..., None]).ravel().tolist())
print(json.dumps(res))
`,
    [],
    { stdin: JSON.stringify({ x: Array.from(img.data), w: img.width, h: img.height, cases }) },
  );
  const ref: number[][] = JSON.parse(out);
  for (const [k, c] of cases.entries()) {
    const got = denoiseRgb(img, c).data;
    let e = 0;
    for (let i = 0; i < got.length; i++) e = Math.max(e, Math.abs(got[i] - ref[k][i]));
    assert(e < 1e-6, `case ${JSON.stringify(c)}: max error ${e}`);
  }
});

Deno.test("denoise keeps luma with chroma-only σ, grey stays grey, flat stays flat", () => {
  const img = noisy(12, 9, 2);
  const out = denoiseRgb(img, { chromaSigma: 2, lumaSigma: 0 });
  const Y = (d: Float32Array, i: number) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  for (let i = 0; i < img.data.length; i += 3) {
    assert(Math.abs(Y(out.data, i) - Y(img.data, i)) < 1e-6, `luma changed at ${i / 3}`);
  }
  // a grey image has no chroma: chroma-only smoothing leaves it unchanged
  const grey = { width: 5, height: 4, data: new Float32Array(60) };
  for (let p = 0; p < 20; p++) grey.data.fill(p / 20, 3 * p, 3 * p + 3);
  assert.deepEqual(
    Array.from(denoiseRgb(grey, { chromaSigma: 3, lumaSigma: 0 }).data, (v) => +v.toFixed(6)),
    Array.from(grey.data, (v) => +v.toFixed(6)),
  );
  // one red impulse on grey: chroma spreads as the Gaussian, luma stays the impulse's
  const imp = { width: 7, height: 7, data: new Float32Array(147).fill(0.5) };
  imp.data[(3 * 7 + 3) * 3] = 1;
  const o = denoiseRgb(imp, { chromaSigma: 1, lumaSigma: 0 }).data;
  const t = gaussianTaps(1); // radius 3: [e^-4.5, e^-2, e^-0.5, 1, …] / Σ
  const dC = 0.5 * (1 - 0.299); // chroma of the impulse in R
  const centre = (3 * 7 + 3) * 3, right = (3 * 7 + 4) * 3;
  assert(Math.abs(o[centre] - (0.5 + 0.5 * 0.299 + dC * t[3] * t[3])) < 1e-6);
  assert(Math.abs(o[right] - (0.5 + dC * t[3] * t[4])) < 1e-6);
});

Deno.test("the denoise conv kernel sums to the identity and rejects bad σ", () => {
  const k = denoiseKernel({ chromaSigma: 2, lumaSigma: 0.5 });
  assert.equal(k.size, 13);
  const n = k.size * k.size;
  for (let o = 0; o < 3; o++) {
    for (let i = 0; i < 3; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += k.weights[(o * 3 + i) * n + j];
      assert(Math.abs(s - (o === i ? 1 : 0)) < 1e-6, `K[${o}][${i}] sums to ${s}`);
    }
  }
  assert.throws(
    () => denoiseRgb(noisy(4, 4, 1), { chromaSigma: -1, lumaSigma: 0 }),
    /denoiseChroma/,
  );
  assert.throws(() => denoiseKernel({ chromaSigma: 1, lumaSigma: NaN }), /denoiseLuma/);
});
