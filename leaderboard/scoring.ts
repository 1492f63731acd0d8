/**
 * Scoring of one uploaded submission against a phase's targets. Result zips are read in memory
 * through the harness's safe zip reader (no path from the archive ever touches the disk), matched
 * to targets by stem and scored with the harness metrics. Targets of the hidden phase are read
 * here, server-side, and never leave this module except as scores.
 * @module
 */
import { join } from "node:path";
import { InputError } from "../harness/errors.ts";
import { decodeImage } from "../harness/io/image.ts";
import type { ZipLimits } from "../harness/io/zip.ts";
import { imageFilesOfDir, imageFilesOfZip, scoreImage, summarize } from "../harness/score.ts";
import type { ImageScore } from "../harness/store/types.ts";
import type { Phase, SubmissionSummary } from "./queue.ts";

/** Folder names that may hold targets, as in `harness/io/dataset.ts`. */
const TARGET_DIRS = ["rgb", "jpegs", "gt", "targets"];

/**
 * Folder of a phase's targets inside a dataset: `val/rgb` for validation, `hidden/test/rgb` for
 * the hidden test phase (or `undefined` when the dataset has none).
 */
export async function targetDir(dataDir: string, phase: Phase): Promise<string | undefined> {
  const base = phase === "val" ? join(dataDir, "val") : join(dataDir, "hidden", "test");
  for (const d of TARGET_DIRS) {
    const p = join(base, d);
    if ((await Deno.stat(p).catch(() => undefined))?.isDirectory) return p;
  }
  return undefined;
}

/** What scoring produced. */
export interface SubmissionScores {
  /** Per-image scores, sorted by image. */
  readonly images: ImageScore[];
  /** Means with bootstrap intervals (fixed seed). */
  readonly summary: SubmissionSummary;
}

/** Options of {@link scoreResultZip}. */
export interface ScoreZipOptions {
  /** Name used in messages (default `submission.zip`). */
  file?: string;
  /** Limits on the archive's expansion. */
  zipLimits?: ZipLimits;
  /** Called between images so a long job can heartbeat and let other work run. */
  onImage?: (done: number, total: number) => Promise<void> | void;
}

/**
 * Runs organizer-side work (reading targets): its failures are the server's, so they become plain
 * errors, which the worker reports to the team without their text (it names hidden paths).
 */
export async function serverSide<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InputError) throw new Error(`targets: ${e.message}`, { cause: e });
    throw e;
  }
}

function listSome(names: string[]): string {
  const shown = names.slice(0, 5).join(", ");
  return names.length > 5 ? `${shown}, … (${names.length} in all)` : shown;
}

/**
 * Scores a zip of predicted PNG/JPEG images against the targets in `gtDir`. Every target needs
 * exactly one prediction of the same stem.
 *
 * @throws {InputError} for an unsafe or oversized archive, missing/extra predictions, undecodable
 *   images or size mismatches, each naming the archive entry
 * @example
 * ```ts
 * const { summary } = await scoreResultZip(zipBytes, "data/val/rgb");
 * ```
 */
export async function scoreResultZip(
  bytes: Uint8Array,
  gtDir: string,
  opts: ScoreZipOptions = {},
): Promise<SubmissionScores> {
  const file = opts.file ?? "submission.zip";
  const { files: pred } = imageFilesOfZip(bytes, file, opts.zipLimits);
  const gt = await serverSide(() => imageFilesOfDir(gtDir));
  if (gt.size === 0) throw new InputError(gtDir, "no targets for this phase");
  const missing = [...gt.keys()].filter((k) => !pred.has(k)).sort();
  if (missing.length) {
    throw new InputError(
      file,
      `missing predictions for ${missing.length} images: ${listSome(missing)}`,
    );
  }
  const extra = [...pred.keys()].filter((k) => !gt.has(k)).sort();
  if (extra.length) {
    throw new InputError(file, `${extra.length} images match no target: ${listSome(extra)}`);
  }
  const names = [...gt.keys()].sort();
  const images: ImageScore[] = [];
  const pixels: number[] = [];
  for (const [i, name] of names.entries()) {
    const p = pred.get(name)!;
    const g = gt.get(name)!;
    const predImg = await decodeImage(await p.bytes(), p.file);
    const gtImg = await serverSide(async () => decodeImage(await g.bytes(), name));
    if (predImg.width !== gtImg.width || predImg.height !== gtImg.height) {
      // The target's path is not named: it would reveal the organizer's layout.
      throw new InputError(
        p.file,
        `size ${predImg.width}×${predImg.height} differs from the target's ${gtImg.width}×${gtImg.height}`,
      );
    }
    images.push(scoreImage(name, predImg, gtImg));
    pixels.push(gtImg.width * gtImg.height);
    await opts.onImage?.(i + 1, names.length);
  }
  return { images, summary: summaryOf(images, pixels, 0, 0) };
}

/** Aggregates per-image scores into a stored summary. */
export function summaryOf(
  images: readonly ImageScore[],
  pixels: readonly number[],
  params: number,
  msPerMegapixel: number,
): SubmissionSummary {
  const s = summarize(images, { pixels, resamples: 2000, seed: 0 });
  return {
    images: s.count,
    psnr: s.psnr,
    ssim: s.ssim,
    deltaE2000: s.deltaE2000,
    params,
    msPerMegapixel,
  };
}
