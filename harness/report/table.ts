/**
 * The leaderboard as a plain-text table for the terminal.
 * @module
 */
import type { Interval, LeaderboardRow } from "../store/types.ts";

/** `mean [lo, hi]` with `digits` decimals. */
export function formatInterval(i: Interval, digits: number): string {
  return `${i.mean.toFixed(digits)} [${i.lo.toFixed(digits)}, ${i.hi.toFixed(digits)}]`;
}

/** A compact parameter count: 7234 → "7.2K". */
export function formatParams(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/**
 * Renders one phase's rows as an aligned table; upper bounds are marked `(upper bound)`.
 * @example
 * ```ts
 * console.log(leaderboardTable(await leaderboard(db, "test")));
 * ```
 */
export function leaderboardTable(rows: readonly LeaderboardRow[]): string {
  const head = [
    "rank",
    "method",
    "PSNR dB [95% CI]",
    "SSIM [95% CI]",
    "ΔE2000 [95% CI]",
    "params",
    "ms/MP",
  ];
  const body = rows.map((r) => [
    String(r.rank),
    r.usesTruth ? `${r.method} (upper bound)` : r.method,
    formatInterval(r.psnr, 2),
    formatInterval(r.ssim, 4),
    formatInterval(r.deltaE2000, 2),
    formatParams(r.params),
    Number.isFinite(r.msPerMegapixel) ? r.msPerMegapixel.toFixed(1) : "-",
  ]);
  const all = [head, ...body];
  const width = head.map((_, c) => Math.max(...all.map((row) => [...row[c]].length)));
  const line = (row: string[]) =>
    row.map((cell, c) => (c >= 2 ? cell.padStart(width[c]) : cell.padEnd(width[c]))).join("  ")
      .trimEnd();
  return [line(head), width.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
