/**
 * Dataset folders: the NTIRE 2026 unpaired-ISP layout (`train/raws`, `train/jpegs`, `test/raws`)
 * and the isp-bench fixture layout (`train/raw`, `train/rgb`, `val/raw`, `val/rgb`, `test/raw`,
 * organizer-only targets under `hidden/`). Both are read by the same code; see README "Data layout".
 *
 * ```text
 * <root>/
 *   dataset.json                 optional: { name, bayerOrder, blackLevel, whiteLevel, bitDepth,
 *                                images: { <scene>: camera metadata }, … }
 *   train/raw|raws/<scene>_<i>.npy    phone RAW patches, packed (H, W, 4)
 *   train/rgb|jpegs/<scene>_<i>.png   target-camera sRGB patches, NOT aligned with train RAW
 *   val/raw|raws/*.npy + val/rgb|jpegs/*.png   public, paired by file stem
 *   test/raw|raws/*.npy          hidden-phase input
 *   hidden/test/rgb/*.png        hidden-phase targets (organizer only; never served)
 *   hidden/train/rgb/*.png       true target of each train RAW patch (upper-bound methods only)
 *   hidden/truth.json            pairing truth of the unpaired train split
 * ```
 * @module
 */
import { join } from "node:path";
import { InputError } from "../errors.ts";
import type { CameraMeta, RawImage, RgbImage, Sample } from "../types.ts";
import { readImage } from "./image.ts";
import { type BayerOrder, type RawOptions, readRaw } from "./raw.ts";

/** A paired split: RAW inputs and (when known) their targets, matched by stem. */
export interface PairedSplit {
  /** RAW inputs, sorted by name. */
  readonly raws: readonly Sample<RawImage>[];
  /** Targets keyed by stem (empty for a split whose targets are hidden or absent). */
  readonly targets: ReadonlyMap<string, Sample<RgbImage>>;
}

/** An opened dataset folder. */
export interface Dataset {
  /** Root folder. */
  readonly root: string;
  /** Contents of `dataset.json` (or `{}`). */
  readonly meta: Readonly<Record<string, unknown>>;
  /** RAW reading options from `dataset.json` (order, black and white levels). */
  readonly rawOptions: RawOptions;
  /** Unpaired train split. */
  readonly train: {
    readonly raws: readonly Sample<RawImage>[];
    readonly rgbs: readonly Sample<RgbImage>[];
  };
  /** Public validation split (may be empty). */
  readonly val: PairedSplit;
  /** Hidden test split: targets filled only when `hidden/test/rgb` exists (organizer side). */
  readonly test: PairedSplit;
  /** True targets of train RAW patches, when shipped (fixtures); for upper-bound methods only. */
  readonly trainTruth: ReadonlyMap<string, Sample<RgbImage>>;
  /** Path of `hidden/truth.json` when present. */
  readonly truthPath?: string;
}

const RAW_DIRS = ["raw", "raws"];
const RGB_DIRS = ["rgb", "jpegs", "gt", "targets"];
const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** Patch folders of the layout, public and `hidden/`, relative to the dataset root. */
export const PATCH_DIRS: readonly string[] = [
  "train/raw",
  "train/rgb",
  "val/raw",
  "val/rgb",
  "test/raw",
  "hidden/test/rgb",
  "hidden/train/rgb",
];

/**
 * Creates the layout's folders under `root` (default: the patch folders only).
 * @example
 * ```ts
 * await makeLayoutDirs(await Deno.makeTempDir());
 * ```
 */
export async function makeLayoutDirs(
  root: string,
  dirs: readonly string[] = PATCH_DIRS,
): Promise<void> {
  for (const d of dirs) await Deno.mkdir(join(root, d), { recursive: true });
}

/** Splits a patch name `<scene>_<index>` into its parts; `undefined` when it does not fit. */
export function parsePatchName(name: string): { scene: string; index: number } | undefined {
  const m = name.match(/^(.*)_(\d+)$/);
  return m ? { scene: m[1], index: parseInt(m[2], 10) } : undefined;
}

/** File stem: name without folder and last extension. */
export function stem(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function firstDir(base: string, names: string[]): Promise<string | undefined> {
  for (const n of names) if (await isDir(join(base, n))) return join(base, n);
  return undefined;
}

/** Lists files of a folder matching `pattern`, sorted by name (plain code-point order). */
export async function listFiles(dir: string, pattern: RegExp): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && pattern.test(e.name)) out.push(join(dir, e.name));
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Per-photo camera metadata of a dataset, keyed by scene (the `<scene>` of `<scene>_<i>`). */
export type SceneMeta = Readonly<Record<string, CameraMeta>>;

/**
 * Lazy RAW samples of every `.npy` in a folder. Any other file (a camera RAW, a JPEG) is an
 * error: it would otherwise be skipped silently. Patches of a scene listed in `scenes` carry that
 * scene's camera metadata.
 *
 * @throws {InputError} naming the first file that is not a packed RAW `.npy`
 */
export async function rawSamples(
  dir: string,
  opts: RawOptions = {},
  scenes: SceneMeta = {},
): Promise<Sample<RawImage>[]> {
  const all = await listFiles(dir, /^[^.]/);
  const bad = all.find((p) => !/\.npy$/i.test(p));
  if (bad) {
    const camera = /\.(dng|cr2|cr3|nef|nrw|arw|raf|orf|rw2|pef|srw|3fr|iiq|crw|erf|kdc|mrw|x3f)$/i
      .test(bad);
    throw new InputError(
      bad,
      camera
        ? "a camera RAW file in a packed-RAW folder: build the dataset with " +
          "`deno task import --format camera-raw --in <folder> --out <dataset>`"
        : "not a packed RAW .npy file (RAW folders hold only (H, W, 4) .npy patches)",
    );
  }
  return all.map((p) => {
    const name = stem(p);
    const camera = scenes[parsePatchName(name)?.scene ?? name] ?? scenes[name];
    return { name, load: () => readRaw(p, camera ? { ...opts, camera } : opts) };
  });
}

/** Lazy RGB samples of every PNG/JPEG in a folder; two files with one stem is an error. */
export async function rgbSamples(dir: string): Promise<Sample<RgbImage>[]> {
  const files = await listFiles(dir, IMAGE_EXT);
  const seen = new Map<string, string>();
  for (const f of files) {
    const s = stem(f);
    if (seen.has(s)) throw new InputError(f, `duplicate stem '${s}' (also ${seen.get(s)})`);
    seen.set(s, f);
  }
  return files.map((p) => ({ name: stem(p), load: () => readImage(p) }));
}

async function pairedSplit(
  rawDir: string | undefined,
  rgbDir: string | undefined,
  opts: RawOptions,
  scenes: SceneMeta,
): Promise<PairedSplit> {
  const raws = rawDir ? await rawSamples(rawDir, opts, scenes) : [];
  const targets = new Map<string, Sample<RgbImage>>();
  if (rgbDir) { for (const s of await rgbSamples(rgbDir)) targets.set(s.name, s); }
  return { raws, targets };
}

/**
 * Opens a dataset folder in either layout.
 *
 * @throws {InputError} when the folder or its train split is missing, or `dataset.json` is bad
 * @example
 * ```ts
 * const ds = await openDataset("out/fixtures-small");
 * console.log(ds.train.raws.length, ds.val.raws.length);
 * ```
 */
export async function openDataset(root: string): Promise<Dataset> {
  if (!(await isDir(root))) throw new InputError(root, "dataset folder does not exist");
  let meta: Record<string, unknown> = {};
  try {
    meta = JSON.parse(await Deno.readTextFile(join(root, "dataset.json")));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new InputError(join(root, "dataset.json"), `unreadable: ${(e as Error).message}`);
    }
  }
  const rawOptions = rawOptionsFromMeta(meta, join(root, "dataset.json"));
  const scenes = sceneMeta(meta, join(root, "dataset.json"));
  const trainDir = join(root, "train");
  const trainRaw = await firstDir(trainDir, RAW_DIRS);
  const trainRgb = await firstDir(trainDir, RGB_DIRS);
  if (!trainRaw || !trainRgb) {
    throw new InputError(trainDir, "expected train/raw (or raws) and train/rgb (or jpegs) folders");
  }
  const val = await pairedSplit(
    await firstDir(join(root, "val"), RAW_DIRS),
    await firstDir(join(root, "val"), RGB_DIRS),
    rawOptions,
    scenes,
  );
  const test = await pairedSplit(
    await firstDir(join(root, "test"), RAW_DIRS),
    await firstDir(join(root, "hidden", "test"), RGB_DIRS),
    rawOptions,
    scenes,
  );
  const trainTruth = new Map<string, Sample<RgbImage>>();
  const truthDir = await firstDir(join(root, "hidden", "train"), RGB_DIRS);
  if (truthDir) { for (const s of await rgbSamples(truthDir)) trainTruth.set(s.name, s); }
  const truthPath = join(root, "hidden", "truth.json");
  return {
    root,
    meta,
    rawOptions,
    train: {
      raws: await rawSamples(trainRaw, rawOptions, scenes),
      rgbs: await rgbSamples(trainRgb),
    },
    val,
    test,
    trainTruth,
    truthPath: (await Deno.stat(truthPath).catch(() => undefined))?.isFile ? truthPath : undefined,
  };
}

const ORDERS = ["RGGB", "BGGR", "GRBG", "GBRG"];

/**
 * RAW options from `dataset.json`: `bayerOrder`, `blackLevel` (one number or four, R, Gr, Gb, B),
 * `whiteLevel`, or `bitDepth` (white level `2^bitDepth − 1`) when `whiteLevel` is absent.
 * @throws {InputError} naming `dataset.json` and the field when a value is malformed
 */
export function rawOptionsFromMeta(
  meta: Readonly<Record<string, unknown>>,
  file = "dataset.json",
): RawOptions {
  const order = meta.bayerOrder ?? "RGGB";
  if (typeof order !== "string" || !ORDERS.includes(order)) {
    throw new InputError(file, `"bayerOrder" must be one of ${ORDERS.join(", ")}, got ${order}`);
  }
  const black = meta.blackLevel ?? 0;
  const blackOk = typeof black === "number" ||
    (Array.isArray(black) && (black.length === 1 || black.length === 4) &&
      black.every((b) => typeof b === "number"));
  if (!blackOk) {
    throw new InputError(
      file,
      `"blackLevel" must be a number or four numbers (R, Gr, Gb, B), got ${JSON.stringify(black)}`,
    );
  }
  const bits = meta.bitDepth;
  if (
    bits !== undefined &&
    !(Number.isInteger(bits) && (bits as number) >= 1 && (bits as number) <= 16)
  ) {
    throw new InputError(file, `"bitDepth" must be an integer 1–16, got ${JSON.stringify(bits)}`);
  }
  const white = meta.whiteLevel ?? (bits !== undefined ? 2 ** (bits as number) - 1 : 1023);
  if (typeof white !== "number" || !(white > 0)) {
    throw new InputError(
      file,
      `"whiteLevel" must be a positive number, got ${JSON.stringify(white)}`,
    );
  }
  return {
    order: order as BayerOrder,
    blackLevel: black as number | number[],
    whiteLevel: white,
    levelsFrom: file,
  };
}

/** Per-scene camera metadata from `dataset.json` `images` (absent → none). */
export function sceneMeta(
  meta: Readonly<Record<string, unknown>>,
  file = "dataset.json",
): SceneMeta {
  const images = meta.images;
  if (images === undefined) return {};
  if (typeof images !== "object" || images === null || Array.isArray(images)) {
    throw new InputError(file, `"images" must map scene names to camera metadata`);
  }
  const out: Record<string, CameraMeta> = {};
  for (const [scene, m] of Object.entries(images as Record<string, Record<string, unknown>>)) {
    const wb = m.whiteBalance, mat = m.camToSrgb;
    const nums = (v: unknown, n: number) =>
      Array.isArray(v) && v.length === n &&
      v.every((x) => typeof x === "number" && Number.isFinite(x));
    if (wb !== undefined && !(nums(wb, 3) && (wb as number[]).every((x) => x > 0))) {
      throw new InputError(file, `images.${scene}.whiteBalance must be three positive numbers`);
    }
    if (mat !== undefined && !nums(mat, 9)) {
      throw new InputError(file, `images.${scene}.camToSrgb must be nine numbers (row-major 3×3)`);
    }
    if (m.exposure !== undefined && !(typeof m.exposure === "number" && m.exposure > 0)) {
      throw new InputError(file, `images.${scene}.exposure must be a positive number`);
    }
    out[scene] = {
      whiteBalance: wb as [number, number, number] | undefined,
      camToSrgb: mat as number[] | undefined,
      exposure: m.exposure as number | undefined,
      orientation: typeof m.orientation === "number" ? m.orientation : undefined,
      make: typeof m.make === "string" ? m.make : undefined,
      model: typeof m.model === "string" ? m.model : undefined,
    };
  }
  return out;
}
