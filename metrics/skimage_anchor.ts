/**
 * Test and bench support (not part of the public API): runs `bench/py/metrics_anchor.py` with
 * `/usr/bin/python3` (scikit-image 0.19) to build real-photo pred/gt pairs and score them, so
 * the TypeScript metrics can be compared with scikit-image in the same run.
 * @module
 */
import { runPythonFile } from "../harness/testing/python.ts";

/** One pred/gt pair of PNG files written by the anchor. */
export interface AnchorPair {
  /** Short description, e.g. `astronaut_blur`. */
  readonly name: string;
  /** Path of the prediction PNG. */
  readonly pred: string;
  /** Path of the ground-truth PNG. */
  readonly gt: string;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/** scikit-image's values for one pair; `null` where scikit-image refused (image too small). */
export interface AnchorScore {
  readonly name: string;
  readonly psnr: number;
  readonly de2000: number;
  readonly ssim: number | null;
  readonly ssim_default: number | null;
  readonly ssim_error?: string;
}

/** One metric's timed loop: seconds of each pass over the pairs, megapixels per pass. */
export interface AnchorPasses {
  /** Wall-clock seconds per pass (time.perf_counter). */
  readonly passes: number[];
  /** Process CPU seconds per pass (time.process_time). */
  readonly cpu: number[];
  readonly megapixels: number;
}

/** scikit-image's timings per metric. */
export interface AnchorTiming {
  readonly repeat: number;
  readonly psnr: AnchorPasses;
  readonly ssim: AnchorPasses;
  readonly de2000: AnchorPasses;
}

/** What `score` returns. */
export interface AnchorReport {
  /** Per pair, in list order. */
  readonly results: AnchorScore[];
  /** PSNR of the MSE pooled over all pairs (torchmetrics' accumulation). */
  readonly pooled_psnr: number;
  /** Present when timed. */
  readonly timing?: AnchorTiming;
}

/** Path of the Python anchor script. */
export const ANCHOR_SCRIPT = new URL("../bench/py/metrics_anchor.py", import.meta.url).pathname;

async function runAnchor(args: string[]): Promise<unknown> {
  const out = await runPythonFile(ANCHOR_SCRIPT, args, { label: `metrics_anchor.py ${args[0]}` });
  // Non-finite numbers travel as strings ("inf").
  return JSON.parse(out, (_k, v) => {
    if (v === "inf") return Infinity;
    if (v === "-inf") return -Infinity;
    if (v === "nan") return NaN;
    return v;
  });
}

/** Writes the anchor's real-photo pairs into `dir` and returns their list (`dir/pairs.json`). */
export async function makeAnchorPairs(dir: string): Promise<AnchorPair[]> {
  const pairs = await runAnchor(["pairs", dir]) as AnchorPair[];
  await Deno.writeTextFile(`${dir}/pairs.json`, JSON.stringify(pairs));
  return pairs;
}

/**
 * Scores the pairs listed in `dir/pairs.json` with scikit-image; with `repeat > 0` also times
 * `repeat` passes of each metric's loop over all pairs.
 */
export async function scoreWithSkimage(
  dir: string,
  repeat = 0,
): Promise<AnchorReport> {
  const args = ["score", `${dir}/pairs.json`];
  if (repeat > 0) args.push("--repeat", String(repeat));
  return await runAnchor(args) as AnchorReport;
}
