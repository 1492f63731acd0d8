/**
 * Test support: deterministic colour-CNN weights and small real RAW inputs made from the
 * scikit-image sample photographs (mosaicked at RGGB sites).
 * @module
 */
import { readImage } from "../../../harness/io/image.ts";
import type { RawImage } from "../../../harness/types.ts";
import type { CnnWeights } from "../cnn/weights.ts";
import { mosaicRgb } from "../isp/mosaic.ts";

/** Folder of the scikit-image sample photographs (Debian python3-skimage). */
export const PHOTOS = "/usr/lib/python3/dist-packages/skimage/data";

/** Uniform(−a, a) weights from a small LCG, so tests do not depend on the trainer's init. */
export function testWeights(seed: number, hidden = 16): CnnWeights {
  let s = seed >>> 0;
  const rnd = (a: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 * 2 - 1) * a;
  };
  const fill = (n: number, a: number) => Float32Array.from({ length: n }, () => rnd(a));
  const wh = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]).map((v) => v + rnd(0.1));
  return {
    hidden,
    w1: fill(hidden * 27, 0.3),
    b1: fill(hidden, 0.1),
    w2: fill(3 * hidden * 9, 0.5 / Math.sqrt(9 * hidden)),
    b2: fill(3, 0.05),
    wh,
    bh: fill(3, 0.05),
  };
}

/** A packed RAW crop (w × h packed pixels) of a sample photograph, mosaicked at RGGB sites. */
export async function photoRaw(
  name: string,
  x0: number,
  y0: number,
  w: number,
  h: number,
): Promise<RawImage> {
  const photo = await readImage(`${PHOTOS}/${name}`);
  const raw = mosaicRgb(photo);
  const data = new Float32Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const s = 4 * ((y0 + y) * raw.width + x0);
    data.set(raw.data.subarray(s, s + 4 * w), 4 * y * w);
  }
  return { width: w, height: h, data };
}

/** Packed RAW (H×W×4) → planar NCHW array with N = 1. */
export function rawToNchw(raw: RawImage): Float32Array {
  const n = raw.width * raw.height;
  const out = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 4; c++) out[c * n + i] = raw.data[4 * i + c];
  return out;
}
