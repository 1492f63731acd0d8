/**
 * sRGB → CIELAB (D65, 2° observer) exactly as scikit-image 0.19's `rgb2lab`, which is what the
 * challenge's ΔE2000 uses:
 *
 * - sRGB → linear with the IEC 61966-2-1 curve: `v ≤ 0.04045 ? v/12.92 : ((v+0.055)/1.055)^2.4`;
 * - linear → XYZ with {@link SRGB_TO_XYZ}, the 6-digit matrix 0.412453… (the organizer's
 *   matrix too; skimage and the organizer agree exactly);
 * - XYZ → Lab against the white {@link D65_WHITE} = (0.95047, 1, 1.08883), with skimage's
 *   rounded constants `t > 0.008856 ? ∛t : 7.787·t + 16/116` (CIE's exact values are
 *   216/24389 = 0.0088564… and 841/108 = 7.78704…).
 *
 * The IEC 61966-2-1 standard itself prints a 4-digit matrix (0.4124, 0.3576, 0.1805; …) and its
 * white is (0.9505, 1, 1.089); with those, the mean ΔE2000 of the six real-photo test pairs
 * (metrics/skimage_test.ts) moves by 1.5e-5 to 7.1e-4 — up to seven times the 1e-4 agreement
 * we hold with scikit-image — so we keep scikit-image's (and the organizer's) constants. The rows
 * of the 6-digit matrix do not sum exactly to the white point, so sRGB white maps to
 * Lab (100, −0.0025, 0.0047) rather than (100, 0, 0), in scikit-image too.
 * @module
 */

/** Linear sRGB → XYZ (D65), row-major 3×3, as in scikit-image 0.19 (`xyz_from_rgb`). */
export const SRGB_TO_XYZ: readonly number[] = [
  0.412453,
  0.357580,
  0.180423,
  0.212671,
  0.715160,
  0.072169,
  0.019334,
  0.119193,
  0.950227,
];

/** Reference white for Lab: CIE D65, 2° observer, as scikit-image's `illuminants["D65"]["2"]`. */
export const D65_WHITE: readonly [number, number, number] = [0.95047, 1, 1.08883];

/** An sRGB triple with components nominally in [0, 1]. */
export type Rgb = readonly [number, number, number];

/** A CIELAB triple `[L, a, b]`. */
export type Lab = [number, number, number];

/** IEC 61966-2-1 inverse companding: encoded sRGB value → linear light. */
export function srgbToLinear(v: number): number {
  return v > 0.04045 ? Math.pow((v + 0.055) / 1.055, 2.4) : v / 12.92;
}

const EPS = 0.008856;
const KAPPA = 7.787;
const OFFSET = 16 / 116;
const [M0, M1, M2, M3, M4, M5, M6, M7, M8] = SRGB_TO_XYZ;
const INV_XN = 1 / D65_WHITE[0];
const INV_ZN = 1 / D65_WHITE[2];

const CBRT_STEPS = 8192; // table points per unit (80 kB of table up to t = 1.25)
const CBRT_TABLE = cbrtTable(1.25);

function cbrtTable(max: number): Float64Array {
  const t = new Float64Array(Math.ceil(max * CBRT_STEPS) + 2);
  for (let i = 0; i < t.length; i++) t[i] = Math.cbrt(i / CBRT_STEPS);
  return t;
}

/**
 * Converts one sRGB colour (components in [0, 1]) to CIELAB (D65).
 * @example
 * ```ts
 * srgbToLab([1, 1, 1]); // ≈ [100, -0.00245, 0.00465], as skimage's rgb2lab
 * ```
 */
export function srgbToLab(rgb: Rgb): Lab {
  const r = srgbToLinear(rgb[0]);
  const g = srgbToLinear(rgb[1]);
  const b = srgbToLinear(rgb[2]);
  const buf = Float64Array.of(
    (M0 * r + M1 * g + M2 * b) * INV_XN,
    M3 * r + M4 * g + M5 * b,
    (M6 * r + M7 * g + M8 * b) * INV_ZN,
  );
  xyzToLabInPlace(buf, 0, 3);
  return [buf[0], buf[1], buf[2]];
}

/**
 * White-scaled XYZ (X/Xn, Y, Z/Zn) → Lab in place over `buf[from..to)` (whole triples). Two
 * plain loops that V8 compiles tightly: f(t) with the cube root written out, then L, a, b.
 * The cube root: for t in (0.008856, 1.25) a linearly interpolated table start (relative error
 * < 5.3e-6) refined by one Halley step (cubic convergence) is within 5e-16 of Math.cbrt and
 * several times faster; other t use Math.cbrt.
 */
function xyzToLabInPlace(buf: Float64Array, from: number, to: number): void {
  const tab = CBRT_TABLE;
  const last = tab.length - 1;
  for (let o = from; o < to; o++) {
    const t = buf[o];
    if (t > EPS) {
      const u = t * CBRT_STEPS;
      const i = u | 0;
      if (i >= 72 && i < last) {
        const y0 = tab[i];
        const y = y0 + (u - i) * (tab[i + 1] - y0);
        const y3 = y * y * y;
        buf[o] = y * (y3 + 2 * t) / (2 * y3 + t);
      } else {
        buf[o] = Math.cbrt(t);
      }
    } else {
      buf[o] = KAPPA * t + OFFSET;
    }
  }
  for (let o = from; o < to; o += 3) {
    const fx = buf[o];
    const fy = buf[o + 1];
    const fz = buf[o + 2];
    buf[o] = 116 * fy - 16;
    buf[o + 1] = 500 * (fx - fy);
    buf[o + 2] = 200 * (fy - fz);
  }
}

/**
 * Linearisation of the 256 8-bit codes, and the float32 value each code decodes to: a channel
 * value equal to `fround(k/255)` is treated as the 8-bit code k (the input of the challenge),
 * anything else is linearised directly.
 */
const EIGHT_BIT = eightBitTables();

function eightBitTables(): { codes: Float32Array; linear: Float64Array } {
  const codes = new Float32Array(256);
  const linear = new Float64Array(256);
  for (let k = 0; k < 256; k++) {
    codes[k] = k / 255;
    linear[k] = srgbToLinear(k / 255);
  }
  return { codes, linear };
}

/**
 * Converts interleaved sRGB values (e.g. an {@link RgbImage}'s `data`) to interleaved Lab in
 * float64. Values that are exactly 8-bit codes `k/255` (as decoded PNG/JPEG are) are linearised
 * by table from the exact `k/255`; others by formula.
 * @example
 * ```ts
 * const lab = rgbToLabArray(img.data); // [L0, a0, b0, L1, …]
 * ```
 */
export function rgbToLabArray(rgb: Float32Array): Float64Array {
  const n = rgb.length - (rgb.length % 3);
  const out = new Float64Array(n);
  rgbToLabInto(rgb, 0, n, out, 0);
  return out;
}

/**
 * Converts the interleaved sRGB values `rgb[start..end)` (whole pixels) to Lab written from
 * `out[outStart]`, as {@link rgbToLabArray}; for loops that reuse one scratch buffer.
 */
export function rgbToLabInto(
  rgb: Float32Array,
  start: number,
  end: number,
  out: Float64Array,
  outStart: number,
): void {
  const { codes, linear } = EIGHT_BIT;
  for (let i = start, o = outStart; i < end; i += 3, o += 3) {
    const r = rgb[i];
    const g = rgb[i + 1];
    const b = rgb[i + 2];
    // Math.round of NaN is NaN, and codes[NaN] is undefined: both fall through to the formula.
    const kr = Math.round(r * 255);
    const kg = Math.round(g * 255);
    const kb = Math.round(b * 255);
    const lr = codes[kr] === r ? linear[kr] : srgbToLinear(r);
    const lg = codes[kg] === g ? linear[kg] : srgbToLinear(g);
    const lb = codes[kb] === b ? linear[kb] : srgbToLinear(b);
    out[o] = (M0 * lr + M1 * lg + M2 * lb) * INV_XN;
    out[o + 1] = M3 * lr + M4 * lg + M5 * lb;
    out[o + 2] = (M6 * lr + M7 * lg + M8 * lb) * INV_ZN;
  }
  xyzToLabInPlace(out, outStart, outStart + (end - start));
}
