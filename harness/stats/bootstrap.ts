/**
 * Bootstrap uncertainty for benchmark means: percentile intervals of a mean, paired comparisons
 * between methods scored on the same images, and ranks that are shared where a paired test does
 * not separate two methods. Every resampling is seeded, so reports are reproducible.
 * @module
 */
import { createRng } from "../random.ts";
import type { Interval } from "../store/types.ts";

/** Bootstrap settings. */
export interface BootstrapOptions {
  /** Number of resamples (at least 1000 for reports; default 2000). */
  resamples?: number;
  /** Seed of the resampling (default 0). */
  seed?: number;
  /** Confidence level of the interval (default 0.95). */
  level?: number;
  /**
   * Cluster label of each value (e.g. the scene a patch was cut from). When given, whole clusters
   * are resampled, so correlated patches of one photo do not pass for independent evidence.
   */
  groups?: readonly string[];
}

/**
 * Scene of each patch name (`<scene>_<index>`), for a clustered bootstrap; `undefined` when some
 * name does not follow the pattern or every scene has a single image (then images are the unit).
 * @example
 * ```ts
 * sceneGroups(["s1_0", "s1_1", "s2_0"]); // ["s1", "s1", "s2"]
 * ```
 */
export function sceneGroups(names: readonly string[]): string[] | undefined {
  const groups: string[] = [];
  for (const n of names) {
    const m = n.match(/^(.*)_(\d+)$/);
    if (!m) return undefined;
    groups.push(m[1]);
  }
  return new Set(groups).size < groups.length && new Set(groups).size > 1 ? groups : undefined;
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Percentile with linear interpolation between order statistics (NumPy's default). */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Index lists of the resampling units: one per value, or one per group label. */
function units(n: number, groups?: readonly string[]): number[][] {
  if (!groups) return Array.from({ length: n }, (_, i) => [i]);
  if (groups.length !== n) {
    throw new RangeError(`bootstrap: ${groups.length} groups for ${n} values`);
  }
  const byLabel = new Map<string, number[]>();
  groups.forEach((g, i) => byLabel.set(g, [...(byLabel.get(g) ?? []), i]));
  return [...byLabel.values()];
}

/**
 * The resampling draws of a bootstrap: `resamples` rows of `units` indices, each drawn uniformly
 * with replacement from `0 … units−1` by the seeded generator, row-major. Every interval of this
 * module is computed from exactly these draws, so an independent implementation fed the same
 * indices (the tests use NumPy) must reproduce it to rounding.
 * @example
 * ```ts
 * const draws = bootstrapDraws(6, { resamples: 1000, seed: 0 }); // 6000 indices in 0…5
 * ```
 */
export function bootstrapDraws(units: number, opts: BootstrapOptions = {}): Int32Array {
  const b = opts.resamples ?? 2000;
  if (!Number.isInteger(b) || b < 1) {
    throw new RangeError(`bootstrap: resamples must be a whole number ≥ 1, got ${b}`);
  }
  const rng = createRng(opts.seed ?? 0);
  const draws = new Int32Array(b * units);
  for (let i = 0; i < draws.length; i++) draws[i] = rng.int(units);
  return draws;
}

/**
 * Bootstrap distribution of the means of several aligned series: each resample draws units
 * (values, or whole groups) with replacement, the same draw for every series (paired), and takes
 * the mean over all values drawn.
 */
function resampleMeans(
  series: readonly ArrayLike<number>[],
  opts: BootstrapOptions,
): Float64Array[] {
  const u = units(series[0].length, opts.groups);
  const draws = bootstrapDraws(u.length, opts);
  const b = draws.length / u.length;
  // Each unit enters a resample whole, so its sum and size are added once per draw: the cost per
  // resample is the number of units, not of values.
  const size = Int32Array.from(u, (members) => members.length);
  const counts = new Int32Array(b);
  for (let r = 0; r < b; r++) {
    for (let k = 0; k < u.length; k++) counts[r] += size[draws[r * u.length + k]];
  }
  return series.map((values) => {
    const unitSum = Float64Array.from(u, (members) => {
      let sum = 0;
      for (const i of members) sum += values[i];
      return sum;
    });
    const out = new Float64Array(b);
    for (let r = 0; r < b; r++) {
      let sum = 0;
      for (let k = 0; k < u.length; k++) sum += unitSum[draws[r * u.length + k]];
      out[r] = sum / counts[r];
    }
    return out;
  });
}

/**
 * The bootstrap distribution of the mean of `values` (one mean per resample, in draw order),
 * resampling whole groups when `groups` is given.
 * @example
 * ```ts
 * const means = bootstrapMeans([24.1, 25.3, 23.8, 26.0], { resamples: 500 });
 * ```
 */
export function bootstrapMeans(
  values: ArrayLike<number>,
  opts: BootstrapOptions = {},
): Float64Array {
  if (values.length === 0) throw new RangeError("bootstrapMeans: no values");
  return resampleMeans([values], opts)[0];
}

/**
 * Mean of `values` with a percentile-bootstrap interval.
 *
 * @example
 * ```ts
 * const { mean, lo, hi } = bootstrapMean([24.1, 25.3, 23.8, 26.0]);
 * ```
 */
export function bootstrapMean(values: ArrayLike<number>, opts: BootstrapOptions = {}): Interval {
  if (values.length === 0) throw new RangeError("bootstrapMean: no values");
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RangeError(`bootstrapMean: value ${i} is ${values[i]}`);
    }
  }
  const m = mean(values);
  if (units(values.length, opts.groups).length === 1) return { mean: m, lo: m, hi: m };
  const [means] = resampleMeans([values], opts);
  means.sort();
  const alpha = (1 - (opts.level ?? 0.95)) / 2;
  return { mean: m, lo: percentile(means, alpha), hi: percentile(means, 1 - alpha) };
}

/**
 * Paired bootstrap of the mean difference `a − b` over the same images (same order).
 * `separated` is true when the interval excludes zero.
 */
export function pairedDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  opts: BootstrapOptions = {},
): Interval & { separated: boolean } {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`pairedDifference: lengths ${a.length} and ${b.length}`);
  }
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i] - b[i];
  const iv = bootstrapMean(d, opts);
  return { ...iv, separated: iv.lo > 0 || iv.hi < 0 };
}

/** One competitor: its per-image scores, aligned by image across all entries. */
export interface RankEntry {
  /** Method or submission name. */
  readonly name: string;
  /** Per-image PSNR (primary, higher is better). */
  readonly psnr: ArrayLike<number>;
  /** Per-image SSIM (first tie-break, higher is better). */
  readonly ssim: ArrayLike<number>;
  /** Per-image ΔE2000 (second tie-break, lower is better). */
  readonly deltaE2000: ArrayLike<number>;
}

/** A ranked competitor. */
export interface RankResult {
  /** Name of the entry. */
  readonly name: string;
  /**
   * Rank with ties, monotone in the strict order: an entry shares the rank of the best entry of
   * its group unless a paired bootstrap test on PSNR separates it from that entry; a separated
   * entry starts a new group at its position (competition ranking: 1, =2, =2, 4).
   */
  readonly rank: number;
  /** 95% bootstrap interval of the rank (by mean PSNR, ties broken by SSIM then ΔE2000). */
  readonly rankLo: number;
  /** Upper end of the rank interval. */
  readonly rankHi: number;
  /** Position in the challenge's strict order (PSNR, then SSIM, then ΔE2000 means). */
  readonly order: number;
}

function compareMeans(
  a: { psnr: number; ssim: number; de: number },
  b: { psnr: number; ssim: number; de: number },
): number {
  return b.psnr - a.psnr || b.ssim - a.ssim || a.de - b.de;
}

/**
 * Ranks competitors scored on the same images. The strict order is the challenge's (mean PSNR,
 * then SSIM, then ΔE2000); entries that a paired bootstrap test on PSNR does not separate from
 * the best entry of their group share its rank.
 *
 * @example
 * ```ts
 * const ranks = rankWithTies([{ name: "a", psnr, ssim, deltaE2000 }, { name: "b", … }]);
 * ```
 */
export function rankWithTies(
  entries: readonly RankEntry[],
  opts: BootstrapOptions = {},
): RankResult[] {
  if (entries.length === 0) return [];
  const n = entries[0].psnr.length;
  for (const e of entries) {
    if (e.psnr.length !== n || e.ssim.length !== n || e.deltaE2000.length !== n) {
      throw new RangeError(`rankWithTies: '${e.name}' is not scored on the same ${n} images`);
    }
  }
  const means = entries.map((e) => ({
    psnr: mean(e.psnr),
    ssim: mean(e.ssim),
    de: mean(e.deltaE2000),
  }));
  const order = entries.map((_, i) => i).sort((i, j) => compareMeans(means[i], means[j]));
  const position = new Array<number>(entries.length);
  order.forEach((i, k) => (position[i] = k + 1));

  // Tied ranks, monotone in the strict order: walking down it, an entry starts a new rank group
  // (its rank = its position) only when the paired test separates it from its group's leader.
  const rank = new Array<number>(entries.length);
  let leader = order[0];
  rank[leader] = 1;
  for (let k = 1; k < order.length; k++) {
    const i = order[k];
    const d = pairedDifference(entries[leader].psnr, entries[i].psnr, opts);
    if (d.separated && d.mean > 0) {
      leader = i;
      rank[i] = k + 1;
    } else rank[i] = rank[leader];
  }

  // Rank intervals: rank by resampled means, with the same resampled units for every entry.
  const rs = (k: keyof RankEntry) => entries.map((e) => e[k] as ArrayLike<number>);
  const series = [...rs("psnr"), ...rs("ssim"), ...rs("deltaE2000")];
  const resampled = units(n, opts.groups).length > 1
    ? resampleMeans(series, opts)
    : series.map((s) => Float64Array.of(mean(s)));
  const m = entries.length;
  const ranks = entries.map(() => new Float64Array(resampled[0].length));
  for (let r = 0; r < resampled[0].length; r++) {
    const at = entries.map((_, i) => ({
      psnr: resampled[i][r],
      ssim: resampled[m + i][r],
      de: resampled[2 * m + i][r],
    }));
    const o = entries.map((_, i) => i).sort((i, j) => compareMeans(at[i], at[j]));
    o.forEach((i, k) => (ranks[i][r] = k + 1));
  }
  const alpha = (1 - (opts.level ?? 0.95)) / 2;
  return entries.map((e, i) => {
    const sorted = ranks[i].sort();
    return {
      name: e.name,
      rank: rank[i],
      rankLo: Math.round(percentile(sorted, alpha)),
      rankHi: Math.round(percentile(sorted, 1 - alpha)),
      order: position[i],
    };
  }).sort((x, y) => x.order - y.order);
}
