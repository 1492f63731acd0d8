/**
 * CIEDE2000 colour difference (Sharma, Wu & Dalal, "The CIEDE2000 color-difference formula:
 * implementation notes, supplementary test data, and mathematical observations", Color Res.
 * Appl. 30(1), 2005), with kL = kC = kH = 1, and the challenge's image metric: the mean ΔE00
 * over pixels between the CIELAB (D65) conversions of both images, equal to scikit-image's
 * `deltaE_ciede2000(rgb2lab(gt), rgb2lab(pred)).mean()`.
 *
 * The hue terms avoid most trigonometry without changing the formula: the mean hue h̄′ of the
 * paper (with its ±360° rule) is the direction of the sum of the two unit hue vectors, and
 * `2·sin(Δh′/2)` is the length of their difference (the chord), signed like their cross product.
 * The one configuration where that is undefined — exactly opposite hues, or a zero chroma — uses
 * the paper's angle rules literally.
 * @module
 */
import type { RgbImage } from "../harness/types.ts";
import { checkFinite, checkPair, DEFAULT_NAMES, type MetricOptions } from "./check.ts";
import { rgbToLabInto } from "./color.ts";

/** A CIELAB triple `[L*, a*, b*]`. */
export type LabTriple = readonly [number, number, number];

const POW25_7 = 6103515625; // 25^7
const TWO_PI = 2 * Math.PI;
const DEG = Math.PI / 180;
// cos/sin of the phase offsets in T = 1 − 0.17 cos(h̄−30°) + 0.24 cos 2h̄ + 0.32 cos(3h̄+6°)
// − 0.20 cos(4h̄−63°)
const COS30 = Math.cos(30 * DEG);
const SIN30 = Math.sin(30 * DEG);
const COS6 = Math.cos(6 * DEG);
const SIN6 = Math.sin(6 * DEG);
const COS63 = Math.cos(63 * DEG);
const SIN63 = Math.sin(63 * DEG);
const COS275 = Math.cos(275 * DEG);
const SIN275 = Math.sin(275 * DEG);
// atan at the 257 points i/256 of [0, 1], for the rotation term's atan2.
const ATAN_STEPS = 256;
const ATAN_TABLE = Float64Array.from(
  { length: ATAN_STEPS + 1 },
  (_, i) => Math.atan(i / ATAN_STEPS),
);

/**
 * ΔE00 between two CIELAB colours.
 * @example
 * ```ts
 * ciede2000([50, 2.6772, -79.7751], [50, 0, -82.7485]); // 2.0425 (Sharma et al., pair 1)
 * ```
 */
export function ciede2000(lab1: LabTriple, lab2: LabTriple): number {
  return de00Sum(Float64Array.from(lab1), Float64Array.from(lab2), 1);
}

/**
 * Mean CIEDE2000 over pixels between two same-size sRGB images (values in [0, 1]), each pixel
 * converted sRGB → linear → XYZ → Lab (D65) as `rgbToLabArray` in color.ts.
 *
 * @throws {InputError} on a size mismatch or a non-finite value, naming the file
 * @example
 * ```ts
 * const de = deltaE2000(pred, gt, { names: { pred: "pred/0001.png", gt: "gt/0001.png" } });
 * ```
 */
export function deltaE2000(pred: RgbImage, gt: RgbImage, opts: MetricOptions = {}): number {
  const names = opts.names ?? DEFAULT_NAMES;
  checkPair(pred, gt, names);
  checkFinite(pred, names.pred);
  checkFinite(gt, names.gt);
  return deltaE2000Sum(pred.data, gt.data) / (gt.width * gt.height);
}

/**
 * Σ ΔE00 over the pixels of two interleaved sRGB buffers of equal length (unchecked: callers
 * validate first). The building block for splitting an image across workers.
 */
export function deltaE2000Sum(pred: Float32Array, gt: Float32Array): number {
  // Lab of both images in chunks: tight separate loops, and scratch that stays in cache.
  const chunk = 3 * 4096;
  const lab1 = new Float64Array(chunk);
  const lab2 = new Float64Array(chunk);
  const n = gt.length - (gt.length % 3);
  let sum = 0;
  for (let start = 0; start < n; start += chunk) {
    const len = Math.min(chunk, n - start);
    rgbToLabInto(gt, start, start + len, lab1, 0);
    rgbToLabInto(pred, start, start + len, lab2, 0);
    sum += de00Sum(lab1, lab2, len / 3);
  }
  return sum;
}

/**
 * Σ ΔE00 over the colour pairs `(lab1[3i..3i+2], lab2[3i..3i+2])`, i in [0, n). One loop with
 * the formula inline: passing each colour's six doubles to a per-pixel function that V8 does not
 * inline would box them on the heap.
 */
function de00Sum(lab1: Float64Array, lab2: Float64Array, n: number): number {
  let total = 0;
  for (let k = 0; k < 3 * n; k += 3) {
    const L1 = lab1[k], a1 = lab1[k + 1], b1 = lab1[k + 2];
    const L2 = lab2[k], a2 = lab2[k + 1], b2 = lab2[k + 2];
    // Chroma-dependent stretch of a* (G), then C′ in the stretched plane.
    const cab = 0.5 * (Math.sqrt(a1 * a1 + b1 * b1) + Math.sqrt(a2 * a2 + b2 * b2));
    const cab2 = cab * cab;
    const cab7 = cab2 * cab2 * cab2 * cab;
    const s = 1.5 - 0.5 * Math.sqrt(cab7 / (cab7 + POW25_7)); // 1 + G
    const ap1 = a1 * s;
    const ap2 = a2 * s;
    const c1 = Math.sqrt(ap1 * ap1 + b1 * b1);
    const c2 = Math.sqrt(ap2 * ap2 + b2 * b2);
    const cbar = 0.5 * (c1 + c2);
    const lbar = 0.5 * (L1 + L2) - 50;
    const lb2 = lbar * lbar;

    // Mean hue h̄′ (its cosine and sine; radians in [0, 2π) only where the rotation term needs
    // them) and ΔH′ = 2·√(C1′C2′)·sin(Δh′/2).
    let ch = 0, sh = 0, dH = 0;
    let hbar = NaN;
    const cc = c1 * c2;
    let regular = false;
    if (cc > 0) {
      const inv = 1 / cc; // 1/C1′ = C2′/(C1′C2′): one division for both unit hue vectors
      const ux1 = ap1 * c2 * inv, uy1 = b1 * c2 * inv, ux2 = ap2 * c1 * inv, uy2 = b2 * c1 * inv;
      const sx = ux1 + ux2, sy = uy1 + uy2;
      const norm2 = sx * sx + sy * sy;
      if (norm2 > 0) {
        regular = true;
        const invNorm = 1 / Math.sqrt(norm2);
        ch = sx * invNorm;
        sh = sy * invNorm;
        const dx = ux2 - ux1, dy = uy2 - uy1;
        const cross = ux1 * uy2 - uy1 * ux2;
        dH = Math.sign(cross) * Math.sqrt(cc * (dx * dx + dy * dy));
      }
    }
    if (!regular) {
      // Zero chroma or exactly opposite hues: the paper's angle rules.
      let h1 = Math.atan2(b1, ap1);
      if (h1 < 0) h1 += TWO_PI;
      let h2 = Math.atan2(b2, ap2);
      if (h2 < 0) h2 += TWO_PI;
      const diff = h2 - h1;
      const sum = h1 + h2;
      if (cc === 0) {
        dH = 0;
        hbar = sum;
      } else {
        const dh = diff > Math.PI ? diff - TWO_PI : diff < -Math.PI ? diff + TWO_PI : diff;
        dH = 2 * Math.sqrt(cc) * Math.sin(dh / 2);
        hbar = Math.abs(diff) > Math.PI
          ? 0.5 * (sum < TWO_PI ? sum + TWO_PI : sum - TWO_PI)
          : 0.5 * sum;
      }
      ch = Math.cos(hbar);
      sh = Math.sin(hbar);
    }
    // Multiple angles of h̄′ from its cosine and sine.
    const c2h = 2 * ch * ch - 1, s2h = 2 * sh * ch;
    const c3h = c2h * ch - s2h * sh, s3h = s2h * ch + c2h * sh;
    const c4h = 2 * c2h * c2h - 1, s4h = 2 * s2h * c2h;
    const t = 1 -
      0.17 * (ch * COS30 + sh * SIN30) +
      0.24 * c2h +
      0.32 * (c3h * COS6 - s3h * SIN6) -
      0.2 * (c4h * COS63 + s4h * SIN63);

    // The three weights S_L, S_C, S_H share one division.
    const sl = 1 + (0.015 * lb2) / Math.sqrt(20 + lb2);
    const sc = 1 + 0.045 * cbar;
    const shue = 1 + 0.015 * cbar * t;
    const q = 1 / (sl * sc * shue);
    const lTerm = (L2 - L1) * sc * shue * q;
    const cTerm = (c2 - c1) * sl * shue * q;
    const hTerm = dH * sl * sc * q;
    let de2 = lTerm * lTerm + cTerm * cTerm + hTerm * hTerm;

    // Rotation term for blue hues, R_T = −sin(2Δθ)·R_C·(ΔC′/S_C)·(ΔH′/S_H) with
    // Δθ = 30°·exp(−((h̄′ − 275°)/25°)²), skipped where it cannot change the float64 result:
    // for h̄′ in [0°, 120°] Δθ < 1e-16 rad, and for near-neutral colours R_C ≤ 2(C̄′/25)³ makes
    // |R_T| < 1e-17·ΔE².
    const ct = cTerm * hTerm;
    if (!(sh >= 0 && ch >= -0.5) && ct !== 0) {
      const cb2 = cbar * cbar;
      const rcBound = cbar < 25 ? cb2 * cbar * (2 / 15625) : 2;
      if (Math.abs(ct) * rcBound > 1e-17 * de2) {
        const cb7 = cb2 * cb2 * cb2 * cbar;
        const rc = 2 * Math.sqrt(cb7 / (cb7 + POW25_7));
        // h̄′ − 275°, in [−155°, 85°] here: the direction of (cos h̄′, sin h̄′) turned by −275°.
        // Math.atan2, sin and small helpers are calls V8 does not inline into a loop this
        // large (and their results get boxed), so both are written out: atan2 by table + series
        // (t = min/max in [0, 1], nearest table point τ = i/256, plus atan((t − τ)/(1 + tτ))
        // whose argument is below 1/512, so three series terms reach 1e-17).
        let delta: number;
        if (Number.isNaN(hbar)) {
          const y = sh * COS275 - ch * SIN275;
          const x = ch * COS275 + sh * SIN275;
          const ax = Math.abs(x);
          const ay = Math.abs(y);
          const swap = ay > ax;
          const ratio = swap ? ax / ay : ay / ax;
          const i = Math.round(ratio * ATAN_STEPS);
          const tau = i / ATAN_STEPS;
          const u = (ratio - tau) / (1 + ratio * tau);
          const u2 = u * u;
          let angle = ATAN_TABLE[i] + u * (1 + u2 * (-1 / 3 + u2 * 0.2));
          if (swap) angle = Math.PI / 2 - angle;
          if (x < 0) angle = Math.PI - angle;
          delta = y < 0 ? -angle : angle;
        } else {
          delta = hbar - 275 * DEG;
        }
        const e = delta / (25 * DEG);
        // sin(2Δθ) with 2Δθ in (0, π/3]: Taylor series to x¹⁷, truncation error < 3e-17.
        const x = 60 * DEG * Math.exp(-e * e);
        const x2 = x * x;
        const sin2dt = x * (1 + x2 * (-1 / 6 + x2 * (1 / 120 + x2 * (-1 / 5040 + x2 * (1 / 362880 +
                          x2 * (-1 / 39916800 + x2 * (1 / 6227020800 + x2 * (-1 / 1307674368000 +
                                      x2 * (1 / 355687428096000)))))))));
        de2 -= sin2dt * rc * ct;
      }
    }
    total += Math.sqrt(de2 > 0 ? de2 : 0);
  }
  return total;
}
