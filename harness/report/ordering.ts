/**
 * The expected ordering on the fixtures, checked after a bench: the reference method beats the
 * classical baselines on PSNR and ΔE2000, and the paired upper bound is at least as good as the
 * reference on PSNR. Compared on means of the scored phase (test when present, else val). When
 * the bench ran the reference's step-0 row, its trained model must also beat that row on the val
 * phase's PSNR, so the check tests the training on pseudo pairs and not only its initialisation.
 * @module
 */
import type { LeaderboardRow } from "../store/types.ts";
import { STEP_ZERO_SUFFIX, type StepZeroDifference, stepZeroName } from "./step_zero.ts";

/** Names the check looks for. */
export interface OrderingNames {
  /** The reference method (default `semantic-pairing`). */
  readonly reference?: string;
  /** Baselines it must beat (default `classical`, `color-transfer`). */
  readonly baselines?: readonly string[];
}

/** What the check may use beyond the scored phase's rows. */
export interface OrderingEvidence {
  /** The val phase's rows (the step-0 claim is made on val). */
  readonly val?: readonly LeaderboardRow[];
  /** Paired trained − step-0 differences, printed as information lines. */
  readonly stepZero?: readonly StepZeroDifference[];
}

/** Outcome of {@link checkOrdering}. */
export interface OrderingCheck {
  /** `PASS`, `FAIL`, or `SKIPPED` when a needed method has no result. */
  readonly status: "PASS" | "FAIL" | "SKIPPED";
  /** One line per comparison (or why it was skipped). */
  readonly details: readonly string[];
}

/**
 * Checks the expected ordering on one phase's rows.
 * @example
 * ```ts
 * const { status, details } = checkOrdering(await leaderboard(db, "test"));
 * ```
 */
export function checkOrdering(
  rows: readonly LeaderboardRow[],
  names: OrderingNames = {},
  evidence: OrderingEvidence = {},
): OrderingCheck {
  const refName = names.reference ?? "semantic-pairing";
  const baselines = names.baselines ?? ["classical", "color-transfer"];
  const by = new Map(rows.map((r) => [r.method, r]));
  const ref = by.get(refName);
  const missing = [refName, ...baselines].filter((n) => !by.has(n));
  const oracles = rows.filter((r) => r.usesTruth && !r.method.endsWith(STEP_ZERO_SUFFIX));
  const info = stepZeroLines(evidence.stepZero ?? []);
  if (!ref || missing.length > 0 || oracles.length === 0) {
    // Two separate sentences: a list "no result for X, an upper-bound method" read as if X were
    // the upper bound.
    const details = [
      ...(missing.length ? [`no result for ${missing.join(", ")}`] : []),
      ...(oracles.length ? [] : [
        "no upper-bound result: run a method that trains on the true pairs (oracle-paired) to " +
        "check that the reference stays below it",
      ]),
      ...info,
    ];
    return { status: "SKIPPED", details };
  }
  const details: string[] = [];
  let ok = true;
  const claim = (good: boolean, text: string) => {
    ok &&= good;
    details.push(`${good ? "ok  " : "FAIL"} ${text}`);
  };
  for (const b of baselines) {
    const base = by.get(b)!;
    claim(
      ref.psnr.mean > base.psnr.mean,
      `${refName} PSNR ${ref.psnr.mean.toFixed(2)} > ${b} ${base.psnr.mean.toFixed(2)}`,
    );
    claim(
      ref.deltaE2000.mean < base.deltaE2000.mean,
      `${refName} ΔE2000 ${ref.deltaE2000.mean.toFixed(2)} < ${b} ${
        base.deltaE2000.mean.toFixed(2)
      }`,
    );
  }
  for (const o of oracles) {
    claim(
      o.psnr.mean >= ref.psnr.mean,
      `${o.method} PSNR ${o.psnr.mean.toFixed(2)} ≥ ${refName} ${ref.psnr.mean.toFixed(2)}`,
    );
  }
  const valRef = evidence.val?.find((r) => r.method === refName);
  const valZero = evidence.val?.find((r) => r.method === stepZeroName(refName));
  if (valRef && valZero) {
    claim(
      valRef.psnr.mean > valZero.psnr.mean,
      `${refName} val PSNR ${valRef.psnr.mean.toFixed(2)} > its step 0 ${
        valZero.psnr.mean.toFixed(2)
      }`,
    );
  }
  details.push(...info);
  return { status: ok ? "PASS" : "FAIL", details };
}

/**
 * One `info` line per trained − step-0 difference (paired bootstrap over scenes), as the check
 * prints them.
 * @example
 * ```ts
 * stepZeroLines(await stepZeroDifferences(db, "val", ["semantic-pairing"]));
 * ```
 */
export function stepZeroLines(diffs: readonly StepZeroDifference[]): string[] {
  const f = (v: number, k: number) => (v >= 0 ? "+" : "") + v.toFixed(k);
  return diffs.map((d) =>
    `info ${d.method} − step 0 (${d.phase}): PSNR ${f(d.psnr.mean, 2)} dB ` +
    `[${f(d.psnr.lo, 2)}, ${f(d.psnr.hi, 2)}]${d.psnr.separated ? "" : " (not separated)"}, ` +
    `SSIM ${f(d.ssim.mean, 3)} [${f(d.ssim.lo, 3)}, ${f(d.ssim.hi, 3)}]`
  );
}
