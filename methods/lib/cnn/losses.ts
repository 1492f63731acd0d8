/**
 * The training losses of the colour CNN (REFERENCE_METHOD.md §7), each with its exact gradient
 * with respect to the network output. Images are interleaved RGB float32 (h×w×3).
 *
 * - **moment**: L1 between output and target per-channel mean and (unbiased, like `torch.std`)
 *   std, pooled over the whole batch, each averaged over the 3 channels.
 * - **histY / histUV**: soft histograms in BT.601 YUV (Y = .299R+.587G+.114B,
 *   U = −.14713R−.28886G+.436B + .5, V = .615R−.51499G−.10001B + .5). Bin centres are
 *   `linspace(0, 1, bins)`; each pixel's Gaussian weights exp(−½((v−c)/σ)²) are normalised to sum 1
 *   over the bins (for UV the 2-D weight is the product of the 1-D ones, normalised over all
 *   32×32 bins); the histogram is the mean over the image's pixels; loss = MSE between output and
 *   target histograms, per image pair, averaged over the batch. Luma: 64 bins σ 0.02; chroma: 32×32
 *   bins σ 0.03. Bins farther than 6.5σ beyond the nearest one are skipped: their relative weight is
 *   below 1e-9, under float32 resolution.
 * - **gram**: the paper's VGG19 Gram loss needs downloaded weights, so a fixed, weight-free feature
 *   bank stands in: at two scales (the image, and its 2×2 average pool) the 9 channels
 *   [R, G, B, Sobel-x of R,G,B, Sobel-y of R,G,B] (Sobel /8) on the valid interior; Gram
 *   `F·Fᵀ/(c·h·w)`; loss = Σ over scales of the MSE between output and target Gram matrices, per
 *   pair, averaged over the batch. It captures colour cross-correlations and the texture / contrast
 *   statistics of first-order gradients, which is what the colour CNN can change.
 * - **tv**: mean|∂y out| + mean|∂x out| over the batch.
 * - **pixelL1**: mean|out − target| (paired oracle only).
 * @module
 */

/** Weights of the loss terms; the paper's stage-1 values are the defaults. */
export interface LossWeights {
  /** Channel moments (default 1). */
  readonly moment: number;
  /** Soft luma histogram (default 1). */
  readonly histY: number;
  /** Soft 2-D chroma histogram (default 1.5). */
  readonly histUV: number;
  /** Gram style loss on the weight-free feature bank (default 1). */
  readonly gram: number;
  /** Total variation (default 0.05). */
  readonly tv: number;
  /** Pixel L1 against the target, for paired oracles (default 0). */
  readonly pixelL1: number;
  /**
   * Scale of the gradient (Sobel) channels of the Gram feature bank (default 1). Unscaled, the
   * colour×colour block carries ~99.9% of the Gram loss on the fixtures and the loss constrains
   * almost no texture or noise; a scale that gives gradient channels the colour channels' energy
   * on the targets (see {@link gramGradScale}) makes every block count.
   */
  readonly gramGradScale?: number;
}

/** The paper's stage-1 loss weights. */
export const DEFAULT_LOSS_WEIGHTS: LossWeights = {
  moment: 1.0,
  histY: 1.0,
  histUV: 1.5,
  gram: 1.0,
  tv: 0.05,
  pixelL1: 0,
};

/** Unweighted values of every loss term, plus the weighted total. */
export interface LossTerms {
  /** Channel moments loss. */
  moment: number;
  /** Soft luma histogram loss. */
  histY: number;
  /** Soft 2-D chroma histogram loss. */
  histUV: number;
  /** Gram loss on the weight-free feature bank. */
  gram: number;
  /** Total variation. */
  tv: number;
  /** Pixel L1 against the target. */
  pixelL1: number;
  /** Weighted sum of the terms. */
  total: number;
}

/** Luma histogram bins and σ. */
export const Y_BINS = 64, Y_SIGMA = 0.02;
/** Chroma histogram bins (per axis) and σ. */
export const UV_BINS = 32, UV_SIGMA = 0.03;

const KY = [0.299, 0.587, 0.114];
const KU = [-0.14713, -0.28886, 0.436];
const KV = [0.615, -0.51499, -0.10001];

/** Soft-binning workspace for one axis: the window of bins a value touches and its weights. */
class SoftBins {
  readonly p: Float64Array;
  /** d log w_b / dv − Σ p·(d log w / dv): the normalised weights' log-derivative. */
  readonly dlog: Float64Array;
  lo = 0;
  n = 0;
  readonly radius: number;
  readonly #inv: number;
  readonly #step: number;
  readonly #q: number;
  constructor(readonly bins: number, readonly sigma: number) {
    // bins within 6.5σ of the value: the nearest bin is at most half a bin away
    this.radius = Math.ceil(6.5 * sigma * (bins - 1) + 0.5);
    this.p = new Float64Array(2 * this.radius + 1);
    this.dlog = new Float64Array(2 * this.radius + 1);
    this.#inv = 1 / (sigma * sigma);
    this.#step = 1 / (bins - 1);
    this.#q = Math.exp(-this.#step * this.#step * this.#inv);
  }
  set(v: number): void {
    const last = this.bins - 1, inv = this.#inv, step = this.#step;
    const k0 = Math.min(last, Math.max(0, Math.round(v * last)));
    const lo = Math.max(0, k0 - this.radius);
    const hi = Math.min(last, k0 + this.radius);
    // Gaussian weights of equally spaced centres by recurrence: two exps per value, not one per bin
    let d = v - lo * step;
    let w = Math.exp(-0.5 * d * d * inv);
    let r = Math.exp((d * step - 0.5 * step * step) * inv);
    const q = this.#q, p = this.p, dlog = this.dlog;
    const n = hi - lo + 1;
    let s = 0;
    for (let j = 0; j < n; j++) {
      p[j] = w;
      dlog[j] = -d * inv;
      s += w;
      w *= r;
      r *= q;
      d -= step;
    }
    let gbar = 0;
    const is = 1 / s;
    for (let j = 0; j < n; j++) {
      p[j] *= is;
      gbar += p[j] * dlog[j];
    }
    for (let j = 0; j < n; j++) dlog[j] -= gbar;
    this.lo = lo;
    this.n = n;
  }
}

function luma(img: Float32Array, i: number): number {
  return KY[0] * img[i] + KY[1] * img[i + 1] + KY[2] * img[i + 2];
}
function chroma(k: number[], img: Float32Array, i: number): number {
  return k[0] * img[i] + k[1] * img[i + 1] + k[2] * img[i + 2] + 0.5;
}

/** Soft luma histogram (Y_BINS bins) of one image. */
export function histY(img: Float32Array, pixels: number): Float64Array {
  const sb = new SoftBins(Y_BINS, Y_SIGMA);
  const h = new Float64Array(Y_BINS);
  for (let q = 0; q < pixels; q++) {
    sb.set(luma(img, 3 * q));
    for (let j = 0; j < sb.n; j++) h[sb.lo + j] += sb.p[j];
  }
  for (let b = 0; b < Y_BINS; b++) h[b] /= pixels;
  return h;
}

/** Soft 2-D chroma histogram (UV_BINS², row = U bin) of one image. */
export function histUV(img: Float32Array, pixels: number): Float64Array {
  const su = new SoftBins(UV_BINS, UV_SIGMA);
  const sv = new SoftBins(UV_BINS, UV_SIGMA);
  const h = new Float64Array(UV_BINS * UV_BINS);
  for (let q = 0; q < pixels; q++) {
    su.set(chroma(KU, img, 3 * q));
    sv.set(chroma(KV, img, 3 * q));
    const pv = sv.p, nv = sv.n;
    for (let i = 0; i < su.n; i++) {
      const row = (su.lo + i) * UV_BINS + sv.lo;
      const pu = su.p[i];
      for (let j = 0; j < nv; j++) h[row + j] += pu * pv[j];
    }
  }
  for (let b = 0; b < h.length; b++) h[b] /= pixels;
  return h;
}

function mse(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

/** Luma histogram MSE of one pair; adds `scale`·gradient to `g` when given. */
export function histYLoss(
  out: Float32Array,
  tgt: Float32Array,
  pixels: number,
  g?: Float32Array,
  scale = 1,
): number {
  const ho = histY(out, pixels), ht = histY(tgt, pixels);
  const value = mse(ho, ht);
  if (!g) return value;
  const G = new Float64Array(Y_BINS);
  for (let b = 0; b < Y_BINS; b++) G[b] = scale * 2 * (ho[b] - ht[b]) / (Y_BINS * pixels);
  const sb = new SoftBins(Y_BINS, Y_SIGMA);
  for (let q = 0; q < pixels; q++) {
    sb.set(luma(out, 3 * q));
    let dv = 0;
    for (let j = 0; j < sb.n; j++) dv += G[sb.lo + j] * sb.p[j] * sb.dlog[j];
    for (let c = 0; c < 3; c++) g[3 * q + c] += dv * KY[c];
  }
  return value;
}

/** Chroma 2-D histogram MSE of one pair; adds `scale`·gradient to `g` when given. */
export function histUVLoss(
  out: Float32Array,
  tgt: Float32Array,
  pixels: number,
  g?: Float32Array,
  scale = 1,
): number {
  const ho = histUV(out, pixels), ht = histUV(tgt, pixels);
  const value = mse(ho, ht);
  if (!g) return value;
  const nb = UV_BINS * UV_BINS;
  const G = new Float64Array(nb);
  for (let b = 0; b < nb; b++) G[b] = scale * 2 * (ho[b] - ht[b]) / (nb * pixels);
  const su = new SoftBins(UV_BINS, UV_SIGMA);
  const sv = new SoftBins(UV_BINS, UV_SIGMA);
  const s = new Float64Array(UV_BINS);
  for (let q = 0; q < pixels; q++) {
    su.set(chroma(KU, out, 3 * q));
    sv.set(chroma(KV, out, 3 * q));
    let du = 0;
    s.fill(0, 0, sv.n);
    for (let i = 0; i < su.n; i++) {
      const row = (su.lo + i) * UV_BINS + sv.lo;
      const pu = su.p[i];
      let t = 0;
      for (let j = 0; j < sv.n; j++) {
        const gij = G[row + j];
        t += gij * sv.p[j];
        s[j] += gij * pu;
      }
      du += pu * su.dlog[i] * t;
    }
    let dv = 0;
    for (let j = 0; j < sv.n; j++) dv += sv.p[j] * sv.dlog[j] * s[j];
    for (let c = 0; c < 3; c++) g[3 * q + c] += du * KU[c] + dv * KV[c];
  }
  return value;
}

/** Number of feature channels of the Gram feature bank. */
export const GRAM_CHANNELS = 9;

/**
 * The gradient-channel scale that equalises the energy of the Gram bank's blocks on a set of
 * images (N×h×w×3): √(mean square of the colour channels / mean square of the Sobel channels),
 * measured at full resolution on the valid interior.
 */
export function gramGradScale(images: Float32Array, n: number, h: number, w: number): number {
  let colour = 0, grad = 0;
  const len = h * w * 3;
  for (let i = 0; i < n; i++) {
    const F = gramFeatures(Float64Array.from(images.subarray(i * len, (i + 1) * len)), h, w);
    const K = (h - 2) * (w - 2);
    for (let k = 0; k < 3 * K; k++) colour += F[k] * F[k];
    for (let k = 3 * K; k < 9 * K; k++) grad += F[k] * F[k];
  }
  // per channel: colour has 3 channels, gradients 6
  return grad > 0 ? Math.sqrt((colour / 3) / (grad / 6)) : 1;
}

/** The Gram feature bank at one scale: F (9 × K, K = (h−2)(w−2)) of an h×w×3 image. */
function gramFeatures(img: Float64Array, h: number, w: number, gs = 1): Float64Array {
  const hv = h - 2, wv = w - 2, K = hv * wv, rs = 3 * w;
  const F = new Float64Array(GRAM_CHANNELS * K);
  for (let r = 0; r < hv; r++) {
    for (let c = 0; c < wv; c++) {
      const k = r * wv + c;
      for (let ch = 0; ch < 3; ch++) {
        const i = (r * w + c) * 3 + ch; // top-left of the 3×3 window
        const a = img[i], b = img[i + 3], cc = img[i + 6];
        const d = img[i + rs], e = img[i + rs + 3], f = img[i + rs + 6];
        const g = img[i + 2 * rs], hh = img[i + 2 * rs + 3], ii = img[i + 2 * rs + 6];
        F[ch * K + k] = e;
        F[(3 + ch) * K + k] = gs * (cc + 2 * f + ii - a - 2 * d - g) / 8;
        F[(6 + ch) * K + k] = gs * (g + 2 * hh + ii - a - 2 * b - cc) / 8;
      }
    }
  }
  return F;
}

/** Adjoint of {@link gramFeatures}: accumulates dF into dImg. */
function gramFeaturesBackward(
  dF: Float64Array,
  dImg: Float64Array,
  h: number,
  w: number,
  gs = 1,
): void {
  const hv = h - 2, wv = w - 2, K = hv * wv, rs = 3 * w;
  for (let r = 0; r < hv; r++) {
    for (let c = 0; c < wv; c++) {
      const k = r * wv + c;
      for (let ch = 0; ch < 3; ch++) {
        const i = (r * w + c) * 3 + ch;
        const gx = gs * dF[(3 + ch) * K + k] / 8, gy = gs * dF[(6 + ch) * K + k] / 8;
        dImg[i] -= gx + gy;
        dImg[i + 3] -= 2 * gy;
        dImg[i + 6] += gx - gy;
        dImg[i + rs] -= 2 * gx;
        dImg[i + rs + 3] += dF[ch * K + k];
        dImg[i + rs + 6] += 2 * gx;
        dImg[i + 2 * rs] += gy - gx;
        dImg[i + 2 * rs + 3] += 2 * gy;
        dImg[i + 2 * rs + 6] += gx + gy;
      }
    }
  }
}

function gramOf(F: Float64Array, K: number): Float64Array {
  const c = GRAM_CHANNELS;
  const G = new Float64Array(c * c);
  for (let a = 0; a < c; a++) {
    for (let b = a; b < c; b++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += F[a * K + k] * F[b * K + k];
      G[a * c + b] = G[b * c + a] = s / (c * K);
    }
  }
  return G;
}

/** The image pyramid used by the Gram loss: [full, 2×2 average pool] with their sizes. */
function pyramid(img: Float32Array, h: number, w: number) {
  const full = Float64Array.from(img);
  const h2 = h >> 1, w2 = w >> 1;
  const half = new Float64Array(h2 * w2 * 3);
  for (let r = 0; r < h2; r++) {
    for (let c = 0; c < w2; c++) {
      for (let ch = 0; ch < 3; ch++) {
        const i = ((2 * r) * w + 2 * c) * 3 + ch;
        half[(r * w2 + c) * 3 + ch] = (full[i] + full[i + 3] + full[i + 3 * w] +
          full[i + 3 * w + 3]) / 4;
      }
    }
  }
  return [{ img: full, h, w }, { img: half, h: h2, w: w2 }].filter((s) => s.h > 2 && s.w > 2);
}

/**
 * Gram loss of one pair (sum over scales of the Gram-matrix MSE, gradient channels scaled by
 * `gs`); adds `scale`·gradient to `g`.
 */
export function gramLoss(
  out: Float32Array,
  tgt: Float32Array,
  h: number,
  w: number,
  g?: Float32Array,
  scale = 1,
  gs = 1,
): number {
  const po = pyramid(out, h, w), pt = pyramid(tgt, h, w);
  const c = GRAM_CHANNELS;
  let value = 0;
  const grads: Float64Array[] = [];
  for (let s = 0; s < po.length; s++) {
    const { img, h: hs, w: ws } = po[s];
    const K = (hs - 2) * (ws - 2);
    const Fo = gramFeatures(img, hs, ws, gs);
    const Go = gramOf(Fo, K), Gt = gramOf(gramFeatures(pt[s].img, hs, ws, gs), K);
    value += mse(Go, Gt);
    if (!g) continue;
    const dF = new Float64Array(c * K);
    const f = (scale * 4) / (c * c * c * K);
    for (let a = 0; a < c; a++) {
      for (let b = 0; b < c; b++) {
        const d = f * (Go[a * c + b] - Gt[a * c + b]);
        if (d === 0) continue;
        for (let k = 0; k < K; k++) dF[a * K + k] += d * Fo[b * K + k];
      }
    }
    const dImg = new Float64Array(hs * ws * 3);
    gramFeaturesBackward(dF, dImg, hs, ws, gs);
    grads.push(dImg);
  }
  if (!g) return value;
  for (let i = 0; i < g.length; i++) g[i] += grads[0]?.[i] ?? 0;
  if (grads.length > 1) {
    const d2 = grads[1], w2 = w >> 1;
    for (let r = 0; r < h >> 1; r++) {
      for (let cc = 0; cc < w2; cc++) {
        for (let ch = 0; ch < 3; ch++) {
          const v = d2[(r * w2 + cc) * 3 + ch] / 4;
          const i = ((2 * r) * w + 2 * cc) * 3 + ch;
          g[i] += v;
          g[i + 3] += v;
          g[i + 3 * w] += v;
          g[i + 3 * w + 3] += v;
        }
      }
    }
  }
  return value;
}

/** Total variation mean|∂y|+mean|∂x| of one image; adds `scale`·gradient to `g` when given. */
export function tvLoss(img: Float32Array, h: number, w: number, g?: Float32Array, scale = 1) {
  const ny = 3 * (h - 1) * w, nx = 3 * h * (w - 1);
  let sy = 0, sx = 0;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      for (let ch = 0; ch < 3; ch++) {
        const i = (r * w + c) * 3 + ch;
        if (r + 1 < h) {
          const d = img[i + 3 * w] - img[i];
          sy += Math.abs(d);
          if (g && d !== 0) {
            const v = scale * Math.sign(d) / ny;
            g[i + 3 * w] += v;
            g[i] -= v;
          }
        }
        if (c + 1 < w) {
          const d = img[i + 3] - img[i];
          sx += Math.abs(d);
          if (g && d !== 0) {
            const v = scale * Math.sign(d) / nx;
            g[i + 3] += v;
            g[i] -= v;
          }
        }
      }
    }
  }
  return sy / ny + sx / nx;
}

/** mean|out − target| of one pair; adds `scale`·gradient to `g` when given. */
export function pixelL1Loss(out: Float32Array, tgt: Float32Array, g?: Float32Array, scale = 1) {
  let s = 0;
  for (let i = 0; i < out.length; i++) {
    const d = out[i] - tgt[i];
    s += Math.abs(d);
    if (g && d !== 0) g[i] += scale * Math.sign(d) / out.length;
  }
  return s / out.length;
}

/** Per-channel sums and sums of squares of an RGB image: [s_R, s_G, s_B, q_R, q_G, q_B]. */
export function channelSums(img: Float32Array): Float64Array {
  const s = new Float64Array(6);
  for (let i = 0; i < img.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      const v = img[i + c];
      s[c] += v;
      s[3 + c] += v * v;
    }
  }
  return s;
}

/**
 * The moment loss from batch-pooled channel sums, and its gradient in closed form:
 * d loss / d out[p, c] = a[c] + b[c]·(out[p, c] − mean[c]).
 */
export interface MomentResult {
  readonly value: number;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly mean: Float64Array;
}

/** Moment loss (L1 on per-channel mean and unbiased std) from pooled sums over `count` pixels. */
export function momentLoss(out: Float64Array, tgt: Float64Array, count: number): MomentResult {
  const a = new Float64Array(3), b = new Float64Array(3), mean = new Float64Array(3);
  let value = 0;
  for (let c = 0; c < 3; c++) {
    const mo = out[c] / count, mt = tgt[c] / count;
    const so = Math.sqrt(Math.max(0, (out[3 + c] - count * mo * mo) / (count - 1)));
    const st = Math.sqrt(Math.max(0, (tgt[3 + c] - count * mt * mt) / (count - 1)));
    value += (Math.abs(mo - mt) + Math.abs(so - st)) / 3;
    mean[c] = mo;
    a[c] = Math.sign(mo - mt) / (3 * count);
    b[c] = so > 0 ? Math.sign(so - st) / (3 * (count - 1) * so) : 0;
  }
  return { value, a, b, mean };
}

/** Adds `scale`·(a[c] + b[c]·(x − mean[c])) to g for every pixel of img (moment gradient). */
export function addMomentGrad(img: Float32Array, m: MomentResult, g: Float32Array, scale: number) {
  for (let i = 0; i < img.length; i += 3) {
    for (let c = 0; c < 3; c++) g[i + c] += scale * (m.a[c] + m.b[c] * (img[i + c] - m.mean[c]));
  }
}

/** The two histogram losses, swappable for faster implementations (see `hist_wasm.ts`). */
export interface HistLosses {
  /** Soft luma histogram loss of a pair; adds `scale`× its gradient into `g` when given. */
  histYLoss(
    out: Float32Array,
    tgt: Float32Array,
    pixels: number,
    g?: Float32Array,
    scale?: number,
  ): number;
  /** Soft 2-D chroma histogram loss of a pair; adds `scale`× its gradient into `g` when given. */
  histUVLoss(
    out: Float32Array,
    tgt: Float32Array,
    pixels: number,
    g?: Float32Array,
    scale?: number,
  ): number;
}

/** The typed-array histogram losses of this module. */
export const JS_HIST_LOSSES: HistLosses = { histYLoss, histUVLoss };

/** Per-image pair terms (everything but the batch-pooled moments). */
export interface PairTerms {
  histY: number;
  histUV: number;
  gram: number;
  tv: number;
  pixelL1: number;
}

/**
 * The pair-wise terms of one (output, target) pair; adds `scale`·Σ weight·gradient to `g` (pass
 * `scale = 1/N` to get batch means). Terms with weight 0 are skipped and reported as 0. `hist`
 * selects the histogram implementation.
 */
export function pairLoss(
  out: Float32Array,
  tgt: Float32Array,
  h: number,
  w: number,
  weights: LossWeights,
  g?: Float32Array,
  scale = 1,
  hist: HistLosses = JS_HIST_LOSSES,
): PairTerms {
  const px = h * w;
  return {
    histY: weights.histY ? hist.histYLoss(out, tgt, px, g, scale * weights.histY) : 0,
    histUV: weights.histUV ? hist.histUVLoss(out, tgt, px, g, scale * weights.histUV) : 0,
    gram: weights.gram
      ? gramLoss(out, tgt, h, w, g, scale * weights.gram, weights.gramGradScale ?? 1)
      : 0,
    tv: weights.tv ? tvLoss(out, h, w, g, scale * weights.tv) : 0,
    pixelL1: weights.pixelL1 ? pixelL1Loss(out, tgt, g, scale * weights.pixelL1) : 0,
  };
}

/** Adds `p / n` to `terms`, term by term (accumulates the batch mean of the pair terms). */
export function addPairTerms(terms: PairTerms, p: PairTerms, n: number): void {
  terms.histY += p.histY / n;
  terms.histUV += p.histUV / n;
  terms.gram += p.gram / n;
  terms.tv += p.tv / n;
  terms.pixelL1 += p.pixelL1 / n;
}

/** Weighted total of a term set. */
export function totalLoss(t: Omit<LossTerms, "total">, w: LossWeights): number {
  return w.moment * t.moment + w.histY * t.histY + w.histUV * t.histUV + w.gram * t.gram +
    w.tv * t.tv + w.pixelL1 * t.pixelL1;
}

/**
 * The full loss of a batch (N×h×w×3 output and target), with its gradient written to `g` when
 * given: the single-threaded reference the parallel trainer reproduces term by term.
 * @example
 * ```ts
 * const terms = colorLoss(out, tgt, 8, 64, 64, DEFAULT_LOSS_WEIGHTS, grad);
 * ```
 */
export function colorLoss(
  out: Float32Array,
  tgt: Float32Array,
  n: number,
  h: number,
  w: number,
  weights: LossWeights = DEFAULT_LOSS_WEIGHTS,
  g?: Float32Array,
  hist: HistLosses = JS_HIST_LOSSES,
): LossTerms {
  const len = h * w * 3;
  const so = new Float64Array(6), st = new Float64Array(6);
  const terms = { moment: 0, histY: 0, histUV: 0, gram: 0, tv: 0, pixelL1: 0 };
  for (let i = 0; i < n; i++) {
    const o = out.subarray(i * len, (i + 1) * len), t = tgt.subarray(i * len, (i + 1) * len);
    const cs = channelSums(o), ct = channelSums(t);
    for (let k = 0; k < 6; k++) (so[k] += cs[k]), (st[k] += ct[k]);
    const p = pairLoss(o, t, h, w, weights, g?.subarray(i * len, (i + 1) * len), 1 / n, hist);
    addPairTerms(terms, p, n);
  }
  const m = momentLoss(so, st, n * h * w);
  terms.moment = m.value;
  if (g && weights.moment) addMomentGrad(out, m, g, weights.moment);
  return { ...terms, total: totalLoss(terms, weights) };
}
