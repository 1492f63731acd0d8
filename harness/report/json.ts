/**
 * The machine-readable report: `{ "results": [ { method, phase, rank, psnr, ssim, deltaE2000,
 * params, msPerMegapixel } ] }`, one entry per leaderboard row, phases in order.
 * @module
 */
import type { Interval, LeaderboardRow } from "../store/types.ts";

/**
 * One entry of `results.json`: the leaderboard row's published fields, with an unknown
 * inference time written as `null`.
 */
export interface JsonResult extends
  Pick<
    LeaderboardRow,
    "method" | "phase" | "rank" | "psnr" | "ssim" | "deltaE2000" | "params"
  > {
  /** Inference ms per megapixel (null when unknown). */
  readonly msPerMegapixel: number | null;
}

const iv = (i: Interval): Interval => ({ mean: i.mean, lo: i.lo, hi: i.hi });

/**
 * The report object of leaderboard rows, in exactly the published shape.
 * @example
 * ```ts
 * const text = JSON.stringify(resultsJson(rows), null, 2);
 * ```
 */
export function resultsJson(rows: readonly LeaderboardRow[]): { results: JsonResult[] } {
  return {
    results: rows.map((r) => ({
      method: r.method,
      phase: r.phase,
      rank: r.rank,
      psnr: iv(r.psnr),
      ssim: iv(r.ssim),
      deltaE2000: iv(r.deltaE2000),
      params: r.params,
      msPerMegapixel: Number.isFinite(r.msPerMegapixel) ? r.msPerMegapixel : null,
    })),
  };
}
