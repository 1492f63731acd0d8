/**
 * Scoring of one uploaded submission against a phase's targets. Result zips are read in memory
 * through the harness's safe zip reader (no path from the archive ever touches the disk), matched
 * to targets by stem and scored with the harness metrics. Targets of the hidden phase are read
 * here, server-side, and never leave this module except as scores.
 * @module
 */
import { join } from "node:path";
import { InputError } from "../harness/errors.ts";
import { decodeImage, encodePng, imageHeader } from "../harness/io/image.ts";
import type { ZipLimits } from "../harness/io/zip.ts";
import { centreCrop } from "./crops.ts";
import { imageFilesOfDir, imageFilesOfZip, scoreMatched, summarize } from "../harness/score.ts";
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
  /** Centre crops (PNG) of the predictions named in `cropImages`, made once scoring succeeded. */
  readonly crops?: { image: string; png: Uint8Array }[];
}

/** Upload limits of a phase, derived from its targets. */
export interface PhaseBudget {
  /** Number of targets. */
  readonly images: number;
  /** Largest upload, bytes (compressed). */
  readonly uploadBytes: number;
  /** Limits on the upload's expansion. */
  readonly zip: Required<ZipLimits>;
}

/**
 * Upload limits sized to a phase: one prediction per target, each at most as large as a 16-bit
 * RGBA PNG of its target's size stored without compression (the largest honest encoding), plus
 * 1 MiB for a readme and folder entries. Sizes are read from the targets' headers.
 */
export async function phaseBudget(gtDir: string): Promise<PhaseBudget> {
  const files = await serverSide(() => imageFilesOfDir(gtDir));
  let largest = 0;
  let total = 0;
  for (const f of files.values()) {
    const { width, height } = await serverSide(async () => imageHeader(await f.bytes(), f.file));
    const bytes = width * height * 8 + height + 65_536;
    largest = Math.max(largest, bytes);
    total += bytes;
  }
  const slack = 2 ** 20;
  return {
    images: files.size,
    uploadBytes: total + slack,
    zip: { maxEntries: 2 * files.size + 16, maxEntryBytes: largest, maxTotalBytes: total + slack },
  };
}

/** Options of {@link scoreResultZip}. */
export interface ScoreZipOptions {
  /** Name used in messages (default `submission.zip`). */
  file?: string;
  /** Limits on the archive's expansion. */
  zipLimits?: ZipLimits;
  /** Called between images so a long job can heartbeat and let other work run. */
  onImage?: (done: number, total: number) => Promise<void> | void;
  /** Images whose output crops to make once scoring succeeded (validation only). */
  cropImages?: readonly string[];
  /** Crop side in pixels (default 192). */
  cropSize?: number;
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
  // Targets are the organizer's: their failures are server errors, and messages to the team
  // never name their paths (that would reveal the organizer's layout).
  const { images, pixels } = await scoreMatched(pred, gt, {
    source: file,
    nameTargets: false,
    readTarget: serverSide,
    onImage: opts.onImage,
  });
  const crops: { image: string; png: Uint8Array }[] = [];
  for (const image of opts.cropImages ?? []) {
    const p = pred.get(image);
    if (!p) continue;
    const img = await decodeImage(await p.bytes(), p.file);
    crops.push({ image, png: encodePng(centreCrop(img, opts.cropSize ?? 192)) });
  }
  return { images, summary: summaryOf(images, pixels, 0, 0), crops };
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
