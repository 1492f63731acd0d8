/**
 * Scoring of predictions against targets: per-image PSNR, SSIM and CIEDE2000, their means with
 * bootstrap intervals, and the torchmetrics-style pooled PSNR. Predictions come from a folder or a
 * submission zip (read in memory), targets from a folder; files are matched by stem.
 * @module
 */
import { basename, dirname, join } from "node:path";
import { InputError } from "./errors.ts";
import { decodeImage } from "./io/image.ts";
import { stem } from "./io/dataset.ts";
import { readZip, type ZipLimits } from "./io/zip.ts";
import { createProgress } from "./progress.ts";
import { bootstrapMean, type BootstrapOptions, sceneGroups } from "./stats/bootstrap.ts";
import type { ImageScore, Interval } from "./store/types.ts";
import type { RgbImage } from "./types.ts";
import { cappedPsnr, psnr } from "../metrics/psnr.ts";
import { ssim } from "../metrics/ssim.ts";
import { deltaE2000 } from "../metrics/ciede2000.ts";

const IMAGE = /\.(png|jpe?g)$/i;

/** Largest image file read from disk (1 GiB: a 100 MP 16-bit RGBA PNG stored uncompressed). */
export const MAX_IMAGE_FILE_BYTES = 2 ** 30;
/** Largest prediction zip read from disk (default 4 GiB). */
export const MAX_ZIP_FILE_BYTES = 4 * 2 ** 30;

/** Stems compared in Unicode NFC, so `é` typed on macOS (NFD) matches `é` elsewhere. */
function key(name: string): string {
  return stem(name).normalize("NFC");
}

/** Reads a regular file (symlinks followed) of at most `max` bytes. */
async function readRegular(path: string, max: number): Promise<Uint8Array> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    throw new InputError(path, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  if (!info.isFile) throw new InputError(path, "not a regular file");
  if (info.size > max) {
    throw new InputError(path, `file of ${info.size} bytes is over the ${max}-byte limit`);
  }
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read: ${(e as Error).message}`, { cause: e });
  }
}

/** An image file to decode later: its display name and a loader of its bytes. */
export interface ImageFile {
  /** Path or `archive.zip!entry`, used in messages. */
  readonly file: string;
  /** The file's bytes. */
  bytes(): Promise<Uint8Array>;
}

/** Scores one prediction against its target. Sizes must match. */
export function scoreImage(name: string, pred: RgbImage, gt: RgbImage): ImageScore {
  if (pred.width !== gt.width || pred.height !== gt.height) {
    throw new InputError(
      name,
      `prediction is ${pred.width}×${pred.height}, target is ${gt.width}×${gt.height}`,
    );
  }
  const p = psnr(pred, gt);
  const score: ImageScore = {
    image: name,
    psnr: cappedPsnr(p),
    ssim: ssim(pred, gt),
    deltaE2000: deltaE2000(pred, gt),
  };
  return Number.isFinite(p) ? score : { ...score, psnrCapped: true };
}

/** Scores a list of prediction/target pairs. */
export function scoreImages(
  pairs: readonly { name: string; pred: RgbImage; gt: RgbImage }[],
): ImageScore[] {
  return pairs.map((p) => scoreImage(p.name, p.pred, p.gt));
}

/** Aggregate of a scored set. */
export interface ScoreSummary {
  /** Number of images. */
  readonly count: number;
  /** Mean of per-image PSNR (the challenge's primary number), dB, with its interval. */
  readonly psnr: Interval;
  /** PSNR of the MSE pooled over all pixels of all images (torchmetrics' accumulation). */
  readonly psnrPooled: number;
  /** Mean SSIM with its interval. */
  readonly ssim: Interval;
  /** Mean CIEDE2000 with its interval. */
  readonly deltaE2000: Interval;
  /** Images whose PSNR was infinite and capped. */
  readonly cappedImages: number;
  /**
   * What the bootstrap resampled: `scene` when patch names (`<scene>_<index>`) show several
   * patches per scene (patches of one photo are correlated), else `image`.
   */
  readonly bootstrapUnit: "scene" | "image";
}

/**
 * Summarises per-image scores: means, bootstrap intervals (fixed seed) and pooled PSNR.
 * `pixels[i]` is the pixel count of image i (pooled PSNR weights MSE by it; default equal).
 * Unless `groups` is given, patches are resampled by scene when their names allow it.
 */
export function summarize(
  scores: readonly ImageScore[],
  options: BootstrapOptions & { pixels?: readonly number[] } = {},
): ScoreSummary {
  if (scores.length === 0) throw new RangeError("summarize: no scores");
  const groups = options.groups ?? sceneGroups(scores.map((s) => s.image));
  const opts = { ...options, groups };
  const col = (k: "psnr" | "ssim" | "deltaE2000") => scores.map((s) => s[k]);
  let sq = 0;
  let count = 0;
  scores.forEach((s, i) => {
    const n = opts.pixels?.[i] ?? 1;
    sq += (s.psnrCapped ? 0 : 10 ** (-s.psnr / 10)) * n;
    count += n;
  });
  return {
    count: scores.length,
    psnr: bootstrapMean(col("psnr"), opts),
    psnrPooled: cappedPsnr(sq === 0 ? Infinity : -10 * Math.log10(sq / count)),
    ssim: bootstrapMean(col("ssim"), opts),
    deltaE2000: bootstrapMean(col("deltaE2000"), opts),
    cappedImages: scores.filter((s) => s.psnrCapped).length,
    bootstrapUnit: groups ? "scene" : "image",
  };
}

/**
 * Image files of a folder keyed by stem (NFC). Symlinks are followed when they lead to a regular
 * file; one leading elsewhere (a folder, a device, nowhere) is an error naming it. Two files with
 * one stem is an error. `.npy` files are reported: predictions are images, not arrays.
 */
export async function imageFilesOfDir(dir: string): Promise<Map<string, ImageFile>> {
  const names: string[] = [];
  let npy = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (/\.npy$/i.test(e.name)) npy++;
      if ((e.isFile || e.isSymlink) && IMAGE.test(e.name)) names.push(e.name);
    }
  } catch (e) {
    throw new InputError(dir, `cannot list folder: ${(e as Error).message}`, { cause: e });
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0 && npy > 0) {
    throw new InputError(
      dir,
      `holds ${npy} .npy files and no images: predictions must be PNG or JPEG files ` +
        "(8- or 16-bit sRGB), one per target, named like the targets",
    );
  }
  const out = new Map<string, ImageFile>();
  for (const n of names) {
    const f = join(dir, n);
    const info = await Deno.stat(f).catch(() => undefined);
    if (!info?.isFile) throw new InputError(f, "symlink to something that is not a regular file");
    const s = key(n);
    if (out.has(s)) throw new InputError(f, `duplicate stem '${s}' (also ${out.get(s)!.file})`);
    out.set(s, { file: f, bytes: () => readRegular(f, MAX_IMAGE_FILE_BYTES) });
  }
  return out;
}

/**
 * Image entries of a submission zip keyed by stem. Entries may sit in one sub-folder; macOS
 * metadata and non-image files are ignored (returned in `ignored`).
 */
export function imageFilesOfZip(
  bytes: Uint8Array,
  file: string,
  limits?: ZipLimits,
): { files: Map<string, ImageFile>; ignored: string[] } {
  const files = new Map<string, ImageFile>();
  const ignored: string[] = [];
  for (const e of readZip(bytes, file, limits)) {
    const base = e.name.split("/").pop()!;
    if (e.name.startsWith("__MACOSX/") || base.startsWith(".") || !IMAGE.test(base)) {
      ignored.push(e.name);
      continue;
    }
    const s = key(base);
    const where = `${file}!${e.name}`;
    if (files.has(s)) {
      throw new InputError(where, `duplicate stem '${s}' (also ${files.get(s)!.file})`);
    }
    files.set(s, { file: where, bytes: () => Promise.resolve(e.data) });
  }
  const npy = ignored.filter((n) => /\.npy$/i.test(n)).length;
  if (files.size === 0 && npy > 0) {
    throw new InputError(
      file,
      `holds ${npy} .npy files and no images: predictions must be PNG or JPEG files ` +
        "(8- or 16-bit sRGB), one per target, named like the targets",
    );
  }
  return { files, ignored };
}

/** Opens predictions from a folder or a `.zip` file. */
export async function openPredictions(
  path: string,
  limits?: ZipLimits,
): Promise<{ files: Map<string, ImageFile>; ignored: string[] }> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    throw new InputError(path, "predictions not found (expected a folder or a .zip)");
  }
  if (info.isDirectory) return { files: await imageFilesOfDir(path), ignored: [] };
  if (/\.npy$/i.test(path)) {
    throw new InputError(path, "predictions must be PNG or JPEG images (a folder or a .zip)");
  }
  return imageFilesOfZip(await readRegular(path, MAX_ZIP_FILE_BYTES), path, limits);
}

function listSome(names: string[]): string {
  const shown = names.slice(0, 5).join(", ");
  return names.length > 5 ? `${shown}, … (${names.length} in all)` : shown;
}

/** Options of {@link scoreMatched}. */
export interface MatchOptions {
  /** Name of the prediction source (folder or archive) used in messages. */
  readonly source: string;
  /**
   * Whether error messages may name target files. False where the targets are hidden from the
   * reader of the message (a team's submission status).
   */
  readonly nameTargets?: boolean;
  /** Wraps every read of a target, e.g. to turn its failures into server-side errors. */
  readonly readTarget?: (load: () => Promise<RgbImage>) => Promise<RgbImage>;
  /** Called after each image (progress, heartbeats). */
  readonly onImage?: (done: number, total: number, name: string) => void | Promise<void>;
}

/**
 * Matches predictions to targets by stem and scores each pair. Every target needs exactly one
 * prediction; missing or extra predictions are errors listing the names.
 *
 * @returns per-image scores sorted by name, and each target's pixel count (for pooled PSNR)
 * @throws {InputError} for missing/extra/undecodable predictions or size mismatches
 */
export async function scoreMatched(
  pred: ReadonlyMap<string, ImageFile>,
  gt: ReadonlyMap<string, ImageFile>,
  opts: MatchOptions,
): Promise<{ images: ImageScore[]; pixels: number[] }> {
  const missing = [...gt.keys()].filter((k) => !pred.has(k)).sort();
  if (missing.length === gt.size && pred.size > 0) {
    // Not one name in common: most likely targets of another phase (val vs test) or a folder one
    // level off; say so instead of listing every name.
    const eg = (m: ReadonlyMap<string, unknown>) => [...m.keys()].sort().slice(0, 2).join(", ");
    throw new InputError(
      opts.source,
      `none of the ${pred.size} predictions matches any of the ${gt.size} targets ` +
        `(predictions e.g. ${eg(pred)}; targets e.g. ${eg(gt)}): are the targets of the same ` +
        "phase (val or test) as the predictions?",
    );
  }
  if (missing.length > 0) {
    throw new InputError(
      opts.source,
      `missing predictions for ${missing.length} images: ${listSome(missing)}`,
    );
  }
  const extra = [...pred.keys()].filter((k) => !gt.has(k)).sort();
  if (extra.length > 0) {
    throw new InputError(opts.source, `${extra.length} images match no target: ${listSome(extra)}`);
  }
  const readTarget = opts.readTarget ?? ((load) => load());
  const names = [...gt.keys()].sort();
  const images: ImageScore[] = [];
  const pixels: number[] = [];
  for (const [i, name] of names.entries()) {
    const p = pred.get(name)!;
    const g = gt.get(name)!;
    // The target first: its size is trusted, and the prediction's header must match it before
    // the prediction is decoded, so no lying header makes anything allocate.
    const gtImg = await readTarget(async () =>
      decodeImage(await g.bytes(), opts.nameTargets === false ? name : g.file)
    );
    const predImg = await decodeImage(await p.bytes(), p.file, {
      expect: { width: gtImg.width, height: gtImg.height },
    });
    images.push(scoreImage(name, predImg, gtImg));
    pixels.push(gtImg.width * gtImg.height);
    await opts.onImage?.(i + 1, names.length, name);
  }
  return { images, pixels };
}

/** Full result of scoring a submission. */
export interface ScoreReport {
  /** Where predictions came from. */
  readonly pred: string;
  /** Where targets came from. */
  readonly gt: string;
  /** Means, intervals and pooled PSNR. */
  readonly summary: ScoreSummary;
  /** Per-image scores, sorted by image name. */
  readonly images: readonly ImageScore[];
  /** Archive entries that were not images and were skipped. */
  readonly ignored: readonly string[];
  /** Bootstrap settings used. */
  readonly bootstrap: { resamples: number; seed: number; level: number };
}

/** Options of {@link scoreSubmission}. */
export interface ScoreOptions extends BootstrapOptions {
  /** Zip limits for archive predictions. */
  zipLimits?: ZipLimits;
  /** Show a progress bar on stderr (default true). */
  progress?: boolean;
}

/**
 * Scores a folder or zip of predictions against a folder of targets (see {@link scoreMatched}).
 *
 * @throws {InputError} for missing/extra/duplicate/undecodable predictions or size mismatches
 * @example
 * ```ts
 * const report = await scoreSubmission("submission.zip", "hidden/test/rgb");
 * console.log(report.summary.psnr.mean);
 * ```
 */
export async function scoreSubmission(
  predPath: string,
  gtDir: string,
  opts: ScoreOptions = {},
): Promise<ScoreReport> {
  const gt = await imageFilesOfDir(gtDir);
  if (gt.size === 0) throw new InputError(gtDir, "no target images (.png/.jpg) found");
  const { files: pred, ignored } = await openPredictions(predPath, opts.zipLimits);
  const bar = createProgress("scoring", gt.size, { quiet: opts.progress === false });
  const { images, pixels } = await scoreMatched(pred, gt, {
    source: predPath,
    onImage: (done, _total, name) => bar.update(done, name),
  });
  bar.finish();
  const bootstrap = {
    resamples: opts.resamples ?? 2000,
    seed: opts.seed ?? 0,
    level: opts.level ?? 0.95,
  };
  return {
    pred: predPath,
    gt: gtDir,
    summary: summarize(images, { ...bootstrap, pixels }),
    images,
    ignored,
    bootstrap,
  };
}

/**
 * One CSV cell: quoted when it holds a separator, quote or line break, and prefixed with `'` when
 * a spreadsheet would read it as a formula (`=`, `+`, `-`, `@`, tab, CR), as OWASP advises.
 * Numbers pass unchanged.
 */
export function csvCell(v: string | number | boolean): string {
  if (typeof v !== "string") return String(v);
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Per-image scores as CSV (`image,psnr,ssim,deltaE2000`). */
export function toCsv(images: readonly ImageScore[]): string {
  const rows = images.map((s) => [s.image, s.psnr, s.ssim, s.deltaE2000].map(csvCell).join(","));
  return ["image,psnr,ssim,deltaE2000", ...rows].join("\n") + "\n";
}

/** Writes a file atomically (temp file + rename), so a failure never leaves a half-written file. */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  await writeFilesAtomic([[path, text]]);
}

/**
 * Writes several files as one step: every file goes to a temp file beside its destination first,
 * and only when all are written are they renamed into place. A failure before the renames leaves
 * every destination untouched and no temp file behind.
 *
 * @throws {InputError} naming the destination that could not be written
 */
export async function writeFilesAtomic(
  files: readonly (readonly [string, string | Uint8Array])[],
): Promise<void> {
  const temps: [string, string][] = [];
  try {
    for (const [path, data] of files) {
      const info = await Deno.stat(path).catch(() => undefined);
      if (info && !info.isFile) throw new InputError(path, "exists and is not a regular file");
      const tmp = join(dirname(path), `.${basename(path)}.tmp-${crypto.randomUUID()}`);
      temps.push([tmp, path]);
      try {
        if (typeof data === "string") await Deno.writeTextFile(tmp, data);
        else await Deno.writeFile(tmp, data);
      } catch (e) {
        throw new InputError(path, `cannot write: ${(e as Error).message}`, { cause: e });
      }
    }
    for (const [tmp, path] of temps) await Deno.rename(tmp, path);
  } catch (e) {
    for (const [tmp] of temps) await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
