/**
 * The power note under a phase's table: which unit the intervals resample (scenes or images)
 * and the smallest PSNR and ΔE2000 differences the paired test detects between the phase's
 * competitors.
 * @module
 */
import { type BootstrapOptions, sceneGroups } from "../stats/bootstrap.ts";
import { type DetectableDifference, detectableDifference } from "../stats/power.ts";
import type { ImageScore } from "../store/types.ts";

/** Power of one phase's comparison. */
export interface PhasePower {
  /** What the bootstrap resamples: whole scenes (patches of one photo together) or images. */
  readonly unit: "scenes" | "images";
  /** Number of resampled units. */
  readonly units: number;
  /** Images every competitor was scored on. */
  readonly images: number;
  /** Detectable PSNR difference (dB). */
  readonly psnr: DetectableDifference;
  /** Detectable ΔE2000 difference. */
  readonly deltaE2000: DetectableDifference;
}

/**
 * Power of a phase from each competitor's per-image scores (upper bounds left out by the
 * caller); `undefined` with fewer than two competitors or no common images.
 * @example
 * ```ts
 * const p = phasePower(new Map([["a", scoresA], ["b", scoresB]]));
 * if (p) console.log(powerLines(p).join("\n"));
 * ```
 */
export function phasePower(
  scores: ReadonlyMap<string, readonly ImageScore[]>,
  opts: BootstrapOptions = {},
): PhasePower | undefined {
  const lists = [...scores.values()].filter((s) => s.length > 0);
  if (lists.length < 2) return undefined;
  const maps = lists.map((s) => new Map(s.map((x) => [x.image, x])));
  const common = lists[0].map((x) => x.image).filter((n) => maps.every((m) => m.has(n)));
  if (common.length < 2) return undefined;
  const groups = opts.groups ?? sceneGroups(common);
  const series = (k: "psnr" | "deltaE2000") => maps.map((m) => common.map((n) => m.get(n)![k]));
  const boot = { ...opts, groups };
  return {
    unit: groups ? "scenes" : "images",
    units: groups ? new Set(groups).size : common.length,
    images: common.length,
    psnr: detectableDifference(series("psnr"), boot),
    deltaE2000: detectableDifference(series("deltaE2000"), boot),
  };
}

/**
 * The note printed under a phase's table.
 * @example
 * ```ts
 * powerLines(p); // ["intervals resample 4 scenes (48 images) …", "detectable difference …"]
 * ```
 */
export function powerLines(p: PhasePower): string[] {
  const unit = p.unit === "scenes"
    ? `${p.units} scenes (${p.images} patches; patches of one photo resampled together)`
    : `${p.units} images (no scene names, so each image is a unit)`;
  const range = (d: DetectableDifference, digits: number) =>
    `${d.median.toFixed(digits)} (${d.min.toFixed(digits)}–${
      d.max.toFixed(digits)
    } over ${d.pairs} pairs)`;
  return [
    `95% intervals resample ${unit}.`,
    `Detectable difference (paired bootstrap test at 95%, 80% power): PSNR ${
      range(p.psnr, 2)
    } dB, ΔE2000 ${range(p.deltaE2000, 2)}.`,
  ];
}
