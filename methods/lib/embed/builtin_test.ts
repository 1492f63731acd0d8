import assert from "node:assert/strict";
import { readImage } from "../../../harness/io/image.ts";
import type { RgbImage } from "../../../harness/types.ts";
import { cropRgb, SKIMAGE_PHOTOS } from "../pairing/synthetic.ts";
import {
  areaResize,
  builtinDim,
  createBuiltinEmbedder,
  describeBuiltin,
  rankNormalise,
} from "./builtin.ts";

function python(code: string): string {
  const out = new Deno.Command("/usr/bin/python3", { args: ["-c", code] }).outputSync();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

/** A different colour rendering of the same picture: cast, gamma and contrast change. */
function rerender(img: RgbImage): RgbImage {
  const gains = [0.6, 1, 0.75];
  return {
    width: img.width,
    height: img.height,
    data: img.data.map((v, i) => Math.min(1, (v ** 1.6) * gains[i % 3]) ** 0.8),
  };
}

Deno.test("rankNormalise matches scipy.stats.rankdata (average ties)", () => {
  const v = Float32Array.from([0.3, 0.1, 0.3, 0.9, 0.0, 0.1, 0.5]);
  const ref = JSON.parse(
    python(
      "import json;from scipy.stats import rankdata;" +
        "r=rankdata([0.3,0.1,0.3,0.9,0.0,0.1,0.5]);print(json.dumps(list((r-1)/6)))",
    ),
  ) as number[];
  const got = rankNormalise(v);
  ref.forEach((r, i) => assert.ok(Math.abs(got[i] - r) < 1e-6, `${i}: ${got[i]} vs ${r}`));
});

Deno.test("areaResize: integer factor is the block mean; 3→2 is the hand-computed coverage", () => {
  const src = Float32Array.from({ length: 16 }, (_, i) => i);
  const out = areaResize(src, 4, 4, 2, 2);
  assert.deepEqual(Array.from(out), [2.5, 4.5, 10.5, 12.5]);
  // 1-D 3 → 2: out0 = (a + b/2) / 1.5, out1 = (b/2 + c) / 1.5.
  const r = areaResize(Float32Array.from([3, 6, 9]), 3, 1, 2, 1);
  assert.ok(Math.abs(r[0] - 4) < 1e-6 && Math.abs(r[1] - 8) < 1e-6);
});

Deno.test("structure blocks ignore monotonic tone changes; dims and norms are as specified", async () => {
  const photo = cropRgb(await readImage(SKIMAGE_PHOTOS[1]), 64, 32, 256, 192);
  const toned: RgbImage = { ...photo, data: photo.data.map((v) => v ** 0.5) };
  const noColour = { weights: { colour: 0 } };
  const a = describeBuiltin(photo, noColour), b = describeBuiltin(toned, noColour);
  assert.equal(a.length, builtinDim());
  let diff = 0, na = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    na += a[i] * a[i];
  }
  // Squared norm = sum of block weights (hog 1 + layout 0.5 + contrast 0.25 + gram 0.5).
  assert.ok(Math.abs(na - 2.25) < 1e-4, `norm² ${na}`);
  // A per-pixel power curve is monotonic in luminance only approximately (it acts per channel),
  // so the descriptors are close, not equal.
  assert.ok(diff < 0.02 * na, `relative change ${diff / na}`);
});

Deno.test("builtin identifies re-rendered crops of real photos far above chance", async () => {
  const crops: RgbImage[] = [];
  for (const f of SKIMAGE_PHOTOS.slice(0, 5)) {
    const p = await readImage(f);
    for (const [fx, fy] of [[0.1, 0.1], [0.5, 0.1], [0.1, 0.5], [0.5, 0.5]]) {
      crops.push(cropRgb(p, Math.floor(fx * p.width), Math.floor(fy * p.height), 96, 96));
    }
  }
  const emb = createBuiltinEmbedder();
  const src = await emb.embed(crops.map(rerender));
  const tgt = await emb.embed(crops);
  assert.equal(emb.dim, src[0].length);
  let hits = 0;
  src.forEach((s, i) => {
    let best = -1, bd = Infinity;
    tgt.forEach((t, j) => {
      let d = 0;
      for (let k = 0; k < s.length; k++) d += (s[k] - t[k]) ** 2;
      if (d < bd) [bd, best] = [d, j];
    });
    if (best === i) hits++;
  });
  // 20 candidates: chance is 5 %; measured 19/20.
  assert.ok(hits >= 18, `top-1 identification ${hits}/20`);
});
