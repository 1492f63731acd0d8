/**
 * The weight-free denoise step of the reference method (§1), standing in for the paper's learned
 * denoiser (FFDNet at σ 0.01, whose weights are GPL and not used here). It is a luma/chroma split
 * Gaussian on the pre-ISP output: BT.601 luma `Y = .299R + .587G + .114B` is smoothed with
 * `lumaSigma` and the chroma residual `x − Y·(1,1,1)` with `chromaSigma`, so
 *
 *   out = G_c * x + (Y(G_l * x) − Y(G_c * x))·(1, 1, 1).
 *
 * Why chroma: the colour head multiplies channels by gains of 2–3.5 and mixes them, which turns
 * the bilinear demosaic's uncorrelated per-channel noise into strong coloured speckle; the eye
 * (and SSIM on luma structure) tolerates chroma blur far better than luma blur. Being linear and
 * shift-invariant, the step is exactly one fixed 3→3 convolution with reflect padding, which the
 * ONNX export reproduces (see {@link denoiseKernel}).
 * @module
 */
import { OptionError } from "../../../harness/errors.ts";
import type { RgbImage } from "../../../harness/types.ts";

/** Options of {@link denoiseRgb}. */
export interface DenoiseOptions {
  /** Gaussian σ (pixels) on the chroma residual; 0 leaves chroma alone. */
  readonly chromaSigma: number;
  /** Gaussian σ (pixels) on luma; 0 leaves luma alone. */
  readonly lumaSigma: number;
}

/** No denoising. */
export const NO_DENOISE: DenoiseOptions = { chromaSigma: 0, lumaSigma: 0 };

const LUMA = [0.299, 0.587, 0.114] as const;

/** True when the options change the image. */
export function denoiseActive(o: DenoiseOptions | undefined): o is DenoiseOptions {
  return o !== undefined && (o.chromaSigma > 0 || o.lumaSigma > 0);
}

/** Checks the σ values, naming the option at fault. */
export function checkDenoise(o: DenoiseOptions): void {
  for (const [k, v] of [["denoiseChroma", o.chromaSigma], ["denoiseLuma", o.lumaSigma]] as const) {
    if (!(Number.isFinite(v) && v >= 0 && v <= 16)) {
      throw new OptionError(k, `σ must be a number from 0 to 16, got ${v}`);
    }
  }
}

/** Normalised 1-D Gaussian taps of radius ⌈3σ⌉ (the single tap 1 for σ = 0). */
export function gaussianTaps(sigma: number): Float64Array {
  if (!(sigma > 0)) return Float64Array.of(1);
  const r = Math.ceil(3 * sigma);
  const t = new Float64Array(2 * r + 1);
  let z = 0;
  for (let i = -r; i <= r; i++) z += t[i + r] = Math.exp(-0.5 * (i / sigma) ** 2);
  for (let i = 0; i < t.length; i++) t[i] /= z;
  return t;
}

/** Mirror index without repeating the edge sample (numpy `reflect`, ONNX Pad `reflect`). */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - k;
  return k;
}

/** Separable Gaussian of every channel of an h×w×3 image, reflect padding. */
function blur(src: Float32Array, w: number, h: number, taps: Float64Array): Float32Array {
  if (taps.length === 1) return src.slice();
  const r = (taps.length - 1) / 2;
  const tmp = new Float32Array(src.length), out = new Float32Array(src.length);
  const xs = Int32Array.from({ length: w + 2 * r }, (_, i) => reflectIndex(i - r, w));
  const ys = Int32Array.from({ length: h + 2 * r }, (_, i) => reflectIndex(i - r, h));
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let a = 0, b = 0, c = 0;
      for (let k = 0; k < taps.length; k++) {
        const p = (row + xs[x + k]) * 3, t = taps[k];
        a += t * src[p], b += t * src[p + 1], c += t * src[p + 2];
      }
      const o = (row + x) * 3;
      tmp[o] = a, tmp[o + 1] = b, tmp[o + 2] = c;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let a = 0, b = 0, c = 0;
      for (let k = 0; k < taps.length; k++) {
        const p = (ys[y + k] * w + x) * 3, t = taps[k];
        a += t * tmp[p], b += t * tmp[p + 1], c += t * tmp[p + 2];
      }
      const o = (y * w + x) * 3;
      out[o] = a, out[o + 1] = b, out[o + 2] = c;
    }
  }
  return out;
}

/**
 * Denoises a processed RGB image (returns a new image; values may leave [0, 1] by float noise
 * only, since both filters are convex combinations along luma and chroma).
 * @example
 * ```ts
 * const clean = denoiseRgb(preIsp(raw), { chromaSigma: 2, lumaSigma: 0 });
 * ```
 */
export function denoiseRgb(img: RgbImage, o: DenoiseOptions): RgbImage {
  checkDenoise(o);
  const { width: w, height: h } = img;
  const gc = blur(img.data, w, h, gaussianTaps(o.chromaSigma));
  if (o.lumaSigma === o.chromaSigma) return { width: w, height: h, data: gc };
  const gl = blur(img.data, w, h, gaussianTaps(o.lumaSigma));
  const out = gc;
  for (let i = 0; i < out.length; i += 3) {
    const dy = LUMA[0] * (gl[i] - gc[i]) + LUMA[1] * (gl[i + 1] - gc[i + 1]) +
      LUMA[2] * (gl[i + 2] - gc[i + 2]);
    out[i] += dy, out[i + 1] += dy, out[i + 2] += dy;
  }
  return { width: w, height: h, data: out };
}

/**
 * The same step as one 3→3 convolution kernel, OIHW (3×3×k×k, k = 2·⌈3·max σ⌉ + 1), for the
 * ONNX export: `K[o][i] = Q_l[o][i]·G_l + Q_c[o][i]·G_c` with `Q_l[o][i] = LUMA[i]` (luma
 * projection) and `Q_c = I − Q_l`.
 */
export function denoiseKernel(o: DenoiseOptions): { size: number; weights: Float32Array } {
  checkDenoise(o);
  const tl = gaussianTaps(o.lumaSigma), tc = gaussianTaps(o.chromaSigma);
  const size = Math.max(tl.length, tc.length);
  const at = (t: Float64Array, y: number, x: number) => {
    const off = (size - t.length) / 2;
    const a = y - off, b = x - off;
    return a >= 0 && a < t.length && b >= 0 && b < t.length ? t[a] * t[b] : 0;
  };
  const weights = new Float32Array(9 * size * size);
  for (let oc = 0; oc < 3; oc++) {
    for (let ic = 0; ic < 3; ic++) {
      const ql = LUMA[ic], qc = (oc === ic ? 1 : 0) - LUMA[ic];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          weights[((oc * 3 + ic) * size + y) * size + x] = ql * at(tl, y, x) + qc * at(tc, y, x);
        }
      }
    }
  }
  return { size, weights };
}
