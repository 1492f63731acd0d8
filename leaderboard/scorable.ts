/**
 * Which phases a server can score: a submission is scored against the phase's targets in the
 * dataset folder (`val/rgb` for validation, `hidden/test/rgb` for the hidden test phase). Without
 * them a submission would wait in the queue forever, so `serve` says so at startup and the app
 * refuses such submissions with a 503 and the reason.
 * @module
 */
import { join } from "node:path";
import { fixturesDir } from "../fixtures/build.ts";
import type { Phase } from "./queue.ts";
import { targetDir } from "./scoring.ts";

/** Phase → folder of its targets, for the phases that can be scored. */
export type ScorablePhases = ReadonlyMap<Phase, string>;

/**
 * Finds the phases of `dataDir` that have targets (none when `dataDir` is undefined).
 * @example
 * ```ts
 * const phases = await scorablePhases("out/fixtures/small-seed0");
 * phases.get("val"); // "out/fixtures/small-seed0/val/rgb"
 * ```
 */
export async function scorablePhases(dataDir: string | undefined): Promise<ScorablePhases> {
  const out = new Map<Phase, string>();
  if (!dataDir) return out;
  for (const phase of ["val", "test"] as const) {
    const dir = await targetDir(dataDir, phase);
    if (dir) out.set(phase, dir);
  }
  return out;
}

/**
 * The dataset `serve` uses without `--data`: the fixtures `deno task bench` built under its output
 * folder, when they exist (otherwise undefined).
 */
export async function benchFixtures(outputsDir: string): Promise<string | undefined> {
  const dir = fixturesDir("small", 0, "crops", outputsDir);
  const ok = await Deno.stat(join(dir, "val")).then((s) => s.isDirectory, () => false);
  return ok ? dir : undefined;
}

/**
 * One line per phase saying whether and from where it is scored, for the startup log.
 * @example
 * ```ts
 * scorableReport(new Map([["val", "data/val/rgb"]]));
 * // "scoring val: targets in data/val/rgb\nscoring test: NO (…)"
 * ```
 */
export function scorableReport(phases: ScorablePhases, dataDir: string | undefined): string {
  return (["val", "test"] as const).map((p) => {
    const dir = phases.get(p);
    if (dir) return `scoring ${p}: yes, targets in ${dir}`;
    return `scoring ${p}: NO — ${noTargetsReason(p, dataDir)}`;
  }).join("\n");
}

/** Why `phase` cannot be scored, with what to do about it. */
export function noTargetsReason(phase: Phase, dataDir: string | undefined): string {
  const where = phase === "val" ? "val/rgb" : "hidden/test/rgb";
  return dataDir
    ? `${dataDir} has no ${where}, so ${phase} submissions are refused (503)`
    : `no dataset (start serve with --data DIR holding ${where}), so ${phase} submissions are refused (503)`;
}

/**
 * The phases to refuse submissions for, with the reason: those missing from `scorable` (none when
 * `scorable` is undefined, i.e. scoring happens elsewhere).
 */
export function refusedPhases(
  scorable: ScorablePhases | undefined,
  dataDir: string | undefined,
): Map<Phase, string> {
  const out = new Map<Phase, string>();
  if (!scorable) return out;
  for (const p of ["val", "test"] as const) {
    if (!scorable.has(p)) out.set(p, noTargetsReason(p, dataDir));
  }
  return out;
}
