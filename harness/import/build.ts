/**
 * Builds an isp-bench dataset folder from imported photos: packed RAW tiles (H, W, 4) as uint16
 * counts, target tiles at twice their size, a dataset.json with the levels and per-photo camera
 * metadata, an unpaired train split of disjoint scenes, paired val/test splits whose test targets
 * and pairing truth sit under `hidden/`.
 *
 * Split rule (deterministic per seed): paired photos are shuffled; `valFraction` and
 * `testFraction` of them (at least one each when there are three or more) become val and test;
 * the remaining paired photos are cut in two disjoint halves — the first gives train RAW, the
 * second train targets — as the NTIRE baseline's unpaired protocol does. RAW-only photos join
 * train RAW, target-only photos join train targets.
 *
 * Resume: tiles are written atomically and skipped when present; `.import.json` records the
 * options, and dataset.json is written last, so an interrupted import continues where it
 * stopped. A folder holding anything else is never overwritten without `force`.
 * @module
 */
import { join } from "node:path";
import { InputError, OptionError } from "../errors.ts";
import { createRng } from "../random.ts";
import type { CameraMeta, RgbImage } from "../types.ts";
import { makeLayoutDirs } from "../io/dataset.ts";
import { encodeNpy } from "../io/npy.ts";
import { type CameraRawReader, openCameraRawReader } from "../io/camera_raw.ts";
import { encodePng } from "../io/image.ts";
import { areaResize } from "../../methods/lib/embed/dinov2.ts";
import { autoExposureGain, cameraLinear } from "../../methods/lib/isp/camera.ts";
import { orientRgb } from "../../methods/lib/isp/camera.ts";
import { type ImportFormat, type PackedCounts, type Photo, readFormat } from "./formats.ts";

/** Options of {@link importDataset}. */
export interface ImportOptions {
  /** Input format. */
  format: ImportFormat;
  /** Input folder. */
  input: string;
  /** Target images folder (camera-raw). */
  targets?: string;
  /** Output dataset folder. */
  out: string;
  /** Seed of every random choice (default 0). */
  seed?: number;
  /** Tile size in packed pixels (default 256; photos smaller than a tile give one tile). */
  patch?: number;
  /** Share of paired photos for val (default 0.2). */
  valFraction?: number;
  /** Share of paired photos for test (default 0.2). */
  testFraction?: number;
  /** Replace an existing output folder. */
  force?: boolean;
  /** Progress callback. */
  progress?: (done: number, total: number, note: string) => void;
}

/** What an import wrote. */
export interface ImportResult {
  /** Tiles written per split (RAW / targets). */
  readonly counts: Readonly<Record<string, number>>;
  /** Tiles skipped because a previous run had written them. */
  readonly resumed: number;
  /** Photos per role. */
  readonly photos: Readonly<Record<string, number>>;
}

type Role = "trainRaw" | "trainRgb" | "trainPair" | "val" | "test";

/** Assigns each photo a role, deterministically per seed. */
export function assignRoles(
  photos: readonly Photo[],
  seed: number,
  valFraction = 0.2,
  testFraction = 0.2,
): Map<string, Role> {
  const roles = new Map<string, Role>();
  const pairs = photos.filter((p) => p.kind === "pair" && !p.fixedSplit).map((p) => p.name);
  const shuffled = createRng(seed).shuffle(pairs);
  const n = shuffled.length;
  let nVal = Math.round(n * valFraction), nTest = Math.round(n * testFraction);
  if (n >= 3) nVal = Math.max(1, nVal), nTest = Math.max(1, nTest);
  if (nVal + nTest > n) nTest = Math.max(0, n - nVal);
  shuffled.forEach((name, i) => {
    if (i < nVal) roles.set(name, "val");
    else if (i < nVal + nTest) roles.set(name, "test");
    else roles.set(name, (i - nVal - nTest) % 2 === 0 ? "trainRaw" : "trainRgb");
  });
  for (const p of photos) {
    if (roles.has(p.name)) continue;
    roles.set(p.name, p.kind === "rgb" ? "trainRgb" : "trainRaw");
  }
  return roles;
}

/** Non-overlapping row-major tiles of a packed image: `[x, y, w, h]` in packed pixels. */
export function tiles(
  width: number,
  height: number,
  patch: number,
): [number, number, number, number][] {
  if (width < patch || height < patch) return [[0, 0, width, height]];
  const out: [number, number, number, number][] = [];
  for (let y = 0; y + patch <= height; y += patch) {
    for (let x = 0; x + patch <= width; x += patch) out.push([x, y, patch, patch]);
  }
  return out;
}

function cropPacked(p: PackedCounts, [x, y, w, h]: number[]): Uint16Array {
  const out = new Uint16Array(w * h * 4);
  for (let r = 0; r < h; r++) {
    const s = 4 * ((y + r) * p.width + x);
    out.set(p.data.subarray(s, s + 4 * w), 4 * r * w);
  }
  return out;
}

function cropRgb(img: RgbImage, [x, y, w, h]: number[]): RgbImage {
  const out = new Float32Array(w * h * 12);
  for (let r = 0; r < 2 * h; r++) {
    const s = 3 * ((2 * y + r) * img.width + 2 * x);
    out.set(img.data.subarray(s, s + 6 * w), 6 * r * w);
  }
  return { width: 2 * w, height: 2 * h, data: out };
}

/** Inverse of each EXIF orientation. */
const INVERSE: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6 };

/** Luminance of an RGB image area-resized to n×n, zero-mean and unit-norm. */
function signature(img: RgbImage, n = 48): Float64Array {
  const small = areaResize(img, n, n);
  const out = new Float64Array(n * n);
  let mean = 0;
  for (let i = 0; i < out.length; i++) {
    const d = small.data;
    out[i] = 0.25 * d[3 * i] + 0.5 * d[3 * i + 1] + 0.25 * d[3 * i + 2];
    mean += out[i] / out.length;
  }
  let norm = 0;
  for (let i = 0; i < out.length; i++) (out[i] -= mean), (norm += out[i] * out[i]);
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}

/** A quick look at a packed RAW: R, mean G, B per packed pixel, white-balanced, √ for contrast. */
function rawPreview(p: PackedCounts): RgbImage {
  const n = p.width * p.height;
  const data = new Float32Array(n * 3);
  const wb = p.camera?.whiteBalance ?? [1, 1, 1];
  for (let i = 0; i < n; i++) {
    const v = [0, 1, 2, 3].map((c) =>
      Math.max(0, (p.data[4 * i + c] - p.blackLevel[c]) / (p.whiteLevel - p.blackLevel[c]))
    );
    data[3 * i] = Math.sqrt(v[0] * wb[0]);
    data[3 * i + 1] = Math.sqrt(0.5 * (v[1] + v[2]) * wb[1]);
    data[3 * i + 2] = Math.sqrt(v[3] * wb[2]);
  }
  return { width: p.width, height: p.height, data };
}

/**
 * Brings a target to the RAW's frame (sensor orientation, twice the packed size). A target may be
 * stored upright (rendered with the photo's orientation applied) or as shot: when the photo has
 * an orientation, both readings are tried and the one whose luminance correlates better with a
 * preview of the RAW is kept. Then an area resize to twice the packed size.
 */
export function alignTarget(rgb: RgbImage, p: PackedCounts): RgbImage {
  const o = p.camera?.orientation ?? 1;
  const W = 2 * p.width, H = 2 * p.height;
  const fit = (img: RgbImage) => img.width === W && img.height === H ? img : areaResize(img, W, H);
  if (o === 1) return fit(rgb);
  const preview = signature(rawPreview(p));
  const score = (img: RgbImage) => {
    const s = signature(img);
    let dot = 0;
    for (let i = 0; i < s.length; i++) dot += s[i] * preview[i];
    return dot;
  };
  const asShot = fit(rgb);
  const upright = fit(orientRgb(rgb, INVERSE[o] ?? 1));
  return score(upright) > score(asShot) ? upright : asShot;
}

/** Re-levels counts to the dataset's common black/white when a photo's levels differ. */
function relevel(p: PackedCounts, black: readonly number[], white: number): Uint16Array {
  const same = p.whiteLevel === white && p.blackLevel.every((b, c) => b === black[c]);
  if (same) return p.data;
  const out = new Uint16Array(p.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = i & 3;
    const n = Math.min(
      1,
      Math.max(0, (p.data[i] - p.blackLevel[c]) / (p.whiteLevel - p.blackLevel[c])),
    );
    out[i] = Math.round(black[c] + n * (white - black[c]));
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  return await Deno.stat(p).then(() => true, () => false);
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2) + "\n");

/**
 * Imports a dataset (see the module doc for the layout and split rules).
 * @throws {OptionError} when `out` holds other content and `force` is not set, or options are bad
 * @throws {InputError} naming the file when an input is unreadable
 */
export async function importDataset(opts: ImportOptions): Promise<ImportResult> {
  const seed = opts.seed ?? 0;
  const patch = opts.patch ?? 256;
  if (!(Number.isInteger(patch) && patch >= 8)) {
    throw new OptionError("--patch", `must be an integer ≥ 8, got ${patch}`);
  }
  const settings = {
    version: 1,
    format: opts.format,
    input: opts.input,
    targets: opts.targets ?? null,
    seed,
    patch,
    valFraction: opts.valFraction ?? 0.2,
    testFraction: opts.testFraction ?? 0.2,
  };
  const statePath = join(opts.out, ".import.json");
  if (await exists(opts.out)) {
    const entries = [];
    for await (const e of Deno.readDir(opts.out)) entries.push(e.name);
    let resumable = false;
    if (entries.includes(".import.json")) {
      const prev = JSON.parse(await Deno.readTextFile(statePath));
      resumable = JSON.stringify(prev) === JSON.stringify(settings);
    }
    if (entries.length > 0 && !resumable) {
      if (!opts.force) {
        throw new OptionError(
          "--out",
          `${opts.out} exists and holds ${
            entries.includes(".import.json") ? "an import with other options" : "other files"
          }; pass --force to replace it`,
        );
      }
      await Deno.remove(opts.out, { recursive: true });
    } else if (opts.force && entries.length > 0) {
      await Deno.remove(opts.out, { recursive: true });
    }
  }
  const reader = openCameraRawReader();
  try {
    return await build(opts, settings, statePath, reader);
  } finally {
    reader.close();
  }
}

async function build(
  opts: ImportOptions,
  settings: { seed: number; patch: number; valFraction: number; testFraction: number },
  statePath: string,
  reader: CameraRawReader,
): Promise<ImportResult> {
  const { seed, patch } = settings;
  const photos = await readFormat(opts.format, opts.input, reader, opts.targets);
  const roles = assignRoles(photos, seed, settings.valFraction, settings.testFraction);
  await makeLayoutDirs(opts.out);
  await writeAtomic(statePath, json(settings));

  let black: readonly number[] | undefined, white = 0, bitDepth = 0;
  const images: Record<string, CameraMeta> = {};
  const counts: Record<string, number> = { "train/raw": 0, "train/rgb": 0, "val": 0, "test": 0 };
  const truth = {
    rawScenes: {} as Record<string, string>,
    rgbScenes: {} as Record<string, string>,
    patches: {} as Record<string, unknown>,
  };
  let resumed = 0;
  const roleCount: Record<string, number> = {};
  // RAW photos first in name order so the dataset-level levels come from the first RAW.
  const order = [...photos].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let k = 0; k < order.length; k++) {
    const ph = order[k];
    const role = roles.get(ph.name)!;
    roleCount[role] = (roleCount[role] ?? 0) + 1;
    opts.progress?.(k, order.length, ph.name);
    const wantRaw = role !== "trainRgb" && ph.raw;
    const wantRgb =
      (role === "trainRgb" || role === "val" || role === "test" || role === "trainRaw") && ph.rgb;
    let packed: PackedCounts | undefined;
    if (ph.raw && (wantRaw || ph.kind === "pair")) packed = await ph.raw();
    if (packed && black === undefined) {
      black = packed.blackLevel, white = packed.whiteLevel, bitDepth = packed.bitDepth;
    }
    let target: RgbImage | undefined;
    const rects = packed ? tiles(packed.width, packed.height, patch) : undefined;
    if (ph.rgb && wantRgb) {
      const rgb = await ph.rgb();
      target = packed ? alignTarget(rgb, packed) : rgb;
    }
    if (packed && wantRaw) {
      const cam = packed.camera;
      if (cam) {
        // One exposure for the whole photo, so its tiles render alike (dcraw's 1% rule).
        const meta: CameraMeta = { ...cam };
        const lin = cameraLinear(
          { width: packed.width, height: packed.height, data: normalised(packed), camera: cam },
          cam,
        );
        images[ph.name] = { ...meta, exposure: autoExposureGain(lin) };
      }
      const data = relevel(packed, black!, white);
      const rawDir = role === "val" ? "val/raw" : role === "test" ? "test/raw" : "train/raw";
      for (let i = 0; i < rects!.length; i++) {
        const name = `${ph.name}_${i}`;
        const path = join(opts.out, rawDir, `${name}.npy`);
        const [x, y, w, h] = rects![i];
        if (await exists(path)) resumed++;
        else {
          const tile = cropPacked({ ...packed, data }, rects![i]);
          await writeAtomic(path, encodeNpy({ dtype: "uint16", shape: [h, w, 4], data: tile }));
        }
        counts[role === "val" ? "val" : role === "test" ? "test" : "train/raw"]++;
        if (role === "trainRaw") {
          truth.rawScenes[ph.name] = ph.name;
          truth.patches[name] = { photo: ph.name, x, y, w, h };
        }
        if (target) {
          const tdir = role === "val"
            ? "val/rgb"
            : role === "test"
            ? "hidden/test/rgb"
            : "hidden/train/rgb";
          const tpath = join(opts.out, tdir, `${name}.png`);
          if (!(await exists(tpath))) {
            await writeAtomic(tpath, encodePng(cropRgb(target, rects![i])));
          }
        }
      }
    } else if (target) {
      // A train target: tiled at twice the tile size.
      const tr = tiles(target.width >> 1, target.height >> 1, patch);
      for (let i = 0; i < tr.length; i++) {
        const name = `${ph.name}_${i}`;
        const path = join(opts.out, "train/rgb", `${name}.png`);
        if (await exists(path)) resumed++;
        else await writeAtomic(path, encodePng(cropRgb(target, tr[i])));
        counts["train/rgb"]++;
        truth.rgbScenes[ph.name] = ph.name;
        const [x, y, w, h] = tr[i];
        truth.patches[name] = { photo: ph.name, x: 2 * x, y: 2 * y, w: 2 * w, h: 2 * h };
      }
    }
  }
  opts.progress?.(order.length, order.length, "done");
  if (black === undefined) throw new InputError(opts.input, "no RAW files found to import");
  if (counts["train/raw"] === 0 || counts["train/rgb"] === 0) {
    throw new InputError(
      opts.input,
      `the train split needs RAW and target tiles (got ${counts["train/raw"]} RAW, ` +
        `${counts["train/rgb"]} targets): add target images (--targets) or more paired photos`,
    );
  }
  await writeAtomic(
    join(opts.out, "hidden", "truth.json"),
    json({
      version: 1,
      mode: "scenes",
      truePairs: false,
      note: "train RAW and train targets come from disjoint photos: no true pair exists",
      ...truth,
    }),
  );
  await writeAtomic(
    join(opts.out, "dataset.json"),
    json({
      name: `${opts.format} import`,
      source: { format: opts.format, seed, patch },
      bayerOrder: "RGGB",
      blackLevel: black,
      whiteLevel: white,
      bitDepth,
      ...(Object.keys(images).length ? { images } : {}),
    }),
  );
  return { counts, resumed, photos: roleCount };
}

function normalised(p: PackedCounts): Float32Array {
  const out = new Float32Array(p.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = i & 3;
    const v = (p.data[i] - p.blackLevel[c]) / (p.whiteLevel - p.blackLevel[c]);
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}
