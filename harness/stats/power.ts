/**
 * Statistical power of a benchmark: the smallest difference in a metric's mean that the paired
 * bootstrap test between two methods detects, given how much per-image scores scatter and how
 * many independent units (scenes or images) a phase holds.
 * @module
 */
import { bootstrapMeans, type BootstrapOptions } from "./bootstrap.ts";

/**
 * Quantile of the standard normal distribution (Acklam's rational approximation: relative error
 * below 1.2e-9, far finer than any benchmark's sampling error).
 * @example
 * ```ts
 * normalQuantile(0.975); // ≈ 1.959963985
 * ```
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376,
    220.9460984245205,
    -275.9285104469687,
    138.357751867269,
    -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406,
    161.5858368580409,
    -155.6989798598866,
    66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293,
    -0.3223964580411365,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowTail = 0.02425;
  let x: number;
  if (p < lowTail || p > 1 - lowTail) {
    const q = Math.sqrt(-2 * Math.log(p < lowTail ? p : 1 - p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    if (p > 1 - lowTail) x = -x;
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  return x;
}

/** Settings of a power analysis. */
export interface PowerOptions extends BootstrapOptions {
  /** Probability of detecting a true difference of the reported size (default 0.8). */
  readonly power?: number;
}

/** The smallest detectable difference of one metric, over all pairs of competitors. */
export interface DetectableDifference {
  /** Median over competitor pairs of the minimum detectable difference. */
  readonly median: number;
  /** Smallest over pairs (the most similar competitors). */
  readonly min: number;
  /** Largest over pairs. */
  readonly max: number;
  /** Number of competitor pairs measured. */
  readonly pairs: number;
}

/**
 * Minimum detectable difference of a mean metric between competitors scored on the same images:
 * `(z₁₋α/₂ + z_power) · SE`, where SE is the bootstrap standard error of the paired mean
 * difference (clustered by `groups` when given), i.e. the difference the two-sided paired test at
 * level `level` (default 95%) detects with probability `power` (default 80%).
 *
 * @param series per-image scores of each competitor, aligned by image (at least two)
 * @example
 * ```ts
 * const psnr = detectableDifference([methodA.psnr, methodB.psnr, methodC.psnr], { groups });
 * console.log(`differences above ${psnr.median.toFixed(2)} dB are detected 80% of the time`);
 * ```
 */
export function detectableDifference(
  series: readonly ArrayLike<number>[],
  opts: PowerOptions = {},
): DetectableDifference {
  if (series.length < 2) throw new RangeError("detectableDifference: needs two competitors");
  const n = series[0].length;
  const z = normalQuantile(1 - (1 - (opts.level ?? 0.95)) / 2) +
    normalQuantile(opts.power ?? 0.8);
  const mdes: number[] = [];
  for (let i = 0; i < series.length; i++) {
    for (let j = i + 1; j < series.length; j++) {
      if (series[i].length !== n || series[j].length !== n) {
        throw new RangeError("detectableDifference: competitors scored on different images");
      }
      const d = Float64Array.from({ length: n }, (_, k) => series[i][k] - series[j][k]);
      const means = bootstrapMeans(d, opts);
      let m = 0;
      for (const v of means) m += v;
      m /= means.length;
      let v = 0;
      for (const x of means) v += (x - m) ** 2;
      mdes.push(z * Math.sqrt(v / (means.length - 1)));
    }
  }
  mdes.sort((a, b) => a - b);
  const mid = mdes.length >> 1;
  return {
    median: mdes.length % 2 ? mdes[mid] : (mdes[mid - 1] + mdes[mid]) / 2,
    min: mdes[0],
    max: mdes[mdes.length - 1],
    pairs: mdes.length,
  };
}
