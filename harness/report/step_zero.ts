/**
 * Step-0 rows: a learned method that declares a boolean `stepZero` option (the colour-CNN
 * methods) is also run untrained, as `<name>@step0`, so the leaderboard shows what its starting
 * network scores beside what training made of it, and the ordering check can require training to
 * help. The step-0 row is an ordinary run of the same method with `stepZero: true`, so the
 * protocol, the store and the reports need nothing new.
 * @module
 */
import type { PlannedMethod } from "../protocol.ts";
import { pairedDifference, sceneGroups } from "../stats/bootstrap.ts";
import { type LeaderboardOptions, perImageScores } from "../store/results.ts";
import type { Db, Interval } from "../store/types.ts";

/** Suffix of the step-0 row's method name. */
export const STEP_ZERO_SUFFIX = "@step0";

/** The step-0 row's name for a method. */
export function stepZeroName(method: string): string {
  return method + STEP_ZERO_SUFFIX;
}

/**
 * The plan with a step-0 row right after every method that has a boolean `stepZero` option and
 * is not already asked to stop at step 0.
 * @example
 * ```ts
 * const plan = withStepZeroRows([{ method: semanticPairingMethod, options }]);
 * plan.map((p) => p.method.name); // ["semantic-pairing", "semantic-pairing@step0"]
 * ```
 */
export function withStepZeroRows(plan: readonly PlannedMethod[]): PlannedMethod[] {
  return plan.flatMap((p) => {
    if (p.method.options.stepZero?.type !== "boolean" || p.options.stepZero === true) return [p];
    const zero: PlannedMethod = {
      method: {
        ...p.method,
        name: stepZeroName(p.method.name),
        description: `Step 0 of ${p.method.name}: its starting network with no training step ` +
          "(same options otherwise), the row training must beat.",
      },
      options: { ...p.options, stepZero: true },
    };
    return [p, zero];
  });
}

/** Trained minus step-0 scores of one method in one phase, paired by image. */
export interface StepZeroDifference {
  /** The trained method. */
  readonly method: string;
  /** The phase. */
  readonly phase: string;
  /** PSNR difference (dB) with its bootstrap interval (clustered by scene). */
  readonly psnr: Interval & { separated: boolean };
  /** SSIM difference with its bootstrap interval. */
  readonly ssim: Interval & { separated: boolean };
}

/**
 * Paired bootstrap of trained − step 0 for every method of `methods` whose step-0 row was scored
 * in `phase` (same images, scene-clustered resampling).
 */
export async function stepZeroDifferences(
  db: Db,
  phase: string,
  methods: readonly string[],
  opts: LeaderboardOptions = {},
): Promise<StepZeroDifference[]> {
  const out: StepZeroDifference[] = [];
  for (const m of methods) {
    if (m.endsWith(STEP_ZERO_SUFFIX) || !methods.includes(stepZeroName(m))) continue;
    const a = await perImageScores(db, m, phase, opts);
    const b = new Map((await perImageScores(db, stepZeroName(m), phase, opts)).map((s) => [
      s.image,
      s,
    ]));
    const both = a.filter((s) => b.has(s.image));
    if (both.length === 0) continue;
    const names = both.map((s) => s.image);
    const boot = { ...opts.bootstrap, groups: opts.bootstrap?.groups ?? sceneGroups(names) };
    out.push({
      method: m,
      phase,
      psnr: pairedDifference(both.map((s) => s.psnr), both.map((s) => b.get(s.image)!.psnr), boot),
      ssim: pairedDifference(both.map((s) => s.ssim), both.map((s) => b.get(s.image)!.ssim), boot),
    });
  }
  return out;
}
