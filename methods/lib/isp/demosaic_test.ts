import assert from "node:assert/strict";
import { readImage } from "../../../harness/io/image.ts";
import type { RgbImage } from "../../../harness/types.ts";
import { f32, maxAbsDiff, runPython } from "../onnx/pyref.ts";
import { demosaicBilinear, demosaicEdgeAware } from "./demosaic.ts";
import { type Mosaic, mosaicRgb, remosaic } from "./mosaic.ts";

const PHOTOS = "/usr/lib/python3/dist-packages/skimage/data";

function psnr(a: RgbImage, b: RgbImage): number {
  let se = 0;
  for (let i = 0; i < a.data.length; i++) se += (a.data[i] - b.data[i]) ** 2;
  return 10 * Math.log10(1 / (se / a.data.length));
}

/** Mosaic of a smooth function f(x, y, c) sampled at RGGB sites. */
function mosaicOf(w: number, h: number, f: (x: number, y: number, c: number) => number): Mosaic {
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = (y & 1) === 0 ? ((x & 1) === 0 ? 0 : 1) : ((x & 1) === 0 ? 1 : 2);
      data[y * w + x] = f(x, y, c);
    }
  }
  return { width: w, height: h, data };
}

Deno.test("remosaic puts R, Gr, Gb, B at RGGB sites", () => {
  const raw = { width: 2, height: 1, data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) };
  const m = remosaic(raw);
  assert.equal(m.width, 4);
  assert.equal(m.height, 2);
  assert.deepEqual(Array.from(m.data), [1, 2, 5, 6, 3, 4, 7, 8]);
  assert.deepEqual(
    Array.from(
      mosaicRgb({ width: 2, height: 2, data: new Float32Array(12).map((_, i) => i) }).data,
    ),
    [0, 4, 7, 11],
  );
});

Deno.test("bilinear and edge-aware are exact on a constant mosaic", () => {
  const m = mosaicOf(12, 10, (_x, _y, c) => [0.2, 0.5, 0.7][c]);
  for (const out of [demosaicBilinear(m), demosaicEdgeAware(m)]) {
    for (let i = 0; i < out.data.length; i++) {
      assert.ok(Math.abs(out.data[i] - [0.2, 0.5, 0.7][i % 3]) < 1e-6, `pixel ${i}`);
    }
  }
});

Deno.test("bilinear is exact in the interior of a linear ramp", () => {
  const f = (x: number, y: number, c: number) => 0.01 * x + 0.02 * y + 0.1 * c;
  const w = 16, h = 12;
  const out = demosaicBilinear(mosaicOf(w, h, f));
  let worst = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      for (let c = 0; c < 3; c++) {
        worst = Math.max(worst, Math.abs(out.data[3 * (y * w + x) + c] - f(x, y, c)));
      }
    }
  }
  assert.ok(worst < 1e-6, `interior error ${worst}`);
  // At the border reflect mirrors the ramp, so the outer ring is not exact (by design).
  assert.ok(Math.abs(out.data[1] - f(0, 0, 1)) > 1e-3);
});

Deno.test("demosaicking a photograph: PSNR, edge-aware beats bilinear, matches numpy/scipy", async () => {
  const photo = await readImage(`${PHOTOS}/astronaut.png`);
  const raw = mosaicRgb(photo);
  const m = remosaic(raw);
  const bil = demosaicBilinear(m);
  const mhc = demosaicEdgeAware(m);
  const pBil = psnr(bil, photo);
  const pMhc = psnr(mhc, photo);
  // Independent references: scipy.ndimage on masked planes (bilinear) and on the full mosaic with
  // per-site selection (Malvar–He–Cutler), boundary mode 'mirror' (= numpy reflect).
  const { bil: rb, mhc: rm } = await runPython(
    `
from scipy.ndimage import correlate
m = np.load(f'{D}/m.npy').astype(np.float64)
H, W = m.shape
yy, xx = np.mgrid[0:H, 0:W]
R = (yy % 2 == 0) & (xx % 2 == 0); B = (yy % 2 == 1) & (xx % 2 == 1); G = ~(R | B)
kg = np.array([[0,1,0],[1,4,1],[0,1,0]]) / 4.0
krb = np.array([[1,2,1],[2,4,2],[1,2,1]]) / 4.0
bil = np.stack([correlate(m * R, krb, mode='mirror'), correlate(m * G, kg, mode='mirror'),
                correlate(m * B, krb, mode='mirror')], -1)
np.save(f'{D}/bil.npy', bil.astype(np.float32))
g_rb = np.array([[0,0,-1,0,0],[0,0,2,0,0],[-1,2,4,2,-1],[0,0,2,0,0],[0,0,-1,0,0]]) / 8.0
row = np.array([[0,0,.5,0,0],[0,-1,0,-1,0],[-1,4,5,4,-1],[0,-1,0,-1,0],[0,0,.5,0,0]]) / 8.0
col = row.T
dia = np.array([[0,0,-1.5,0,0],[0,2,0,2,0],[-1.5,0,6,0,-1.5],[0,2,0,2,0],[0,0,-1.5,0,0]]) / 8.0
c = lambda k: correlate(m, k, mode='mirror')
Gr = (yy % 2 == 0) & (xx % 2 == 1); Gb = (yy % 2 == 1) & (xx % 2 == 0)
r = np.where(R, m, np.where(B, c(dia), np.where(Gr, c(row), c(col))))
g = np.where(G, m, c(g_rb))
b = np.where(B, m, np.where(R, c(dia), np.where(Gb, c(row), c(col))))
np.save(f'{D}/mhc.npy', np.stack([r, g, b], -1).astype(np.float32))
`,
    { m: f32(m.data, [m.height, m.width]) },
    ["bil", "mhc"],
  );
  const dBil = maxAbsDiff(bil.data, rb.data);
  const dMhc = maxAbsDiff(mhc.data, rm.data);
  console.log(
    `astronaut 512²: PSNR bilinear ${pBil.toFixed(2)} dB, Malvar ${pMhc.toFixed(2)} dB; ` +
      `max |TS − scipy| bilinear ${dBil.toExponential(2)}, Malvar ${dMhc.toExponential(2)}`,
  );
  assert.ok(dBil <= 1e-6, `bilinear vs scipy ${dBil}`);
  assert.ok(dMhc <= 1e-6, `Malvar vs scipy ${dMhc}`);
  // Stated values (whole image, borders included; mosaic of the sRGB photo).
  assert.ok(Math.abs(pBil - 30.61) < 0.01, `bilinear PSNR ${pBil}`);
  assert.ok(Math.abs(pMhc - 34.36) < 0.01, `Malvar PSNR ${pMhc}`);
  assert.ok(pMhc > pBil + 2, `edge-aware ${pMhc} should beat bilinear ${pBil} by > 2 dB`);
});
