/**
 * Readers of the public learned-ISP dataset layouts and of camera-RAW folders, each turning its
 * files into {@link Photo}s: a packed canonical-RGGB mosaic in sensor counts, its levels, camera
 * metadata where known, and the paired target when there is one. Each layout follows its public
 * loader (see docs/data.md for the sources):
 * - `zrr` Zurich RAW-to-RGB (PyNET): `train|test/huawei_raw/<i>.png` 16-bit RGGB mosaics,
 *   `canon/<i>.jpg` targets; the loader divides by 4·255, so white is 1020 and black 0.
 * - `mai` MAI 2021 (PUNET baseline): `train|val/mediatek_raw/<i>.png`, `fujifilm/<i>.png`;
 *   same packing and 4·255 normalisation.
 * - `ntire` NTIRE 2026: `train/raws/*.npy` (H, W, 4) R, Gr, Gb, B, 0–1023, `train/jpegs/*.jpg`
 *   (unpaired), and paired `val|test/raws` + `val|test/jpegs` where present.
 * - `camera-raw`: a folder of camera RAW files (LibRaw), targets from `--targets` (paired when the
 *   stems match).
 * @module
 */
import { decode as decodePng } from "fast-png";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import type { CameraMeta, RgbImage } from "../types.ts";
import { CAMERA_RAW_EXT, type CameraRawReader, R_OFFSET } from "../io/camera_raw.ts";
import { listFiles, stem } from "../io/dataset.ts";
import { readImage } from "../io/image.ts";
import { readNpy } from "../io/npy.ts";

/** Import formats. */
export type ImportFormat = "camera-raw" | "zrr" | "mai" | "ntire";

/** Import formats, for option checking. */
export const FORMATS: readonly ImportFormat[] = ["camera-raw", "zrr", "mai", "ntire"];

/** A packed RAW in sensor counts with its levels. */
export interface PackedCounts {
  /** Packed width. */
  readonly width: number;
  /** Packed height. */
  readonly height: number;
  /** `width * height * 4` counts, R, Gr, Gb, B. */
  readonly data: Uint16Array;
  /** Black level per channel R, Gr, Gb, B. */
  readonly blackLevel: readonly number[];
  /** White level. */
  readonly whiteLevel: number;
  /** Bits per sample. */
  readonly bitDepth: number;
  /** Camera metadata. */
  readonly camera?: CameraMeta;
}

/** One source photo (or source patch) of an import. */
export interface Photo {
  /** Scene id (a file stem). */
  readonly name: string;
  /** Which side(s) exist: `raw` only, `rgb` only (unpaired target), or `pair`. */
  readonly kind: "raw" | "rgb" | "pair";
  /** A split the source already assigns (`train` for NTIRE's unpaired train set). */
  readonly fixedSplit?: "train";
  /** Loads the RAW side. */
  readonly raw?: () => Promise<PackedCounts>;
  /** Loads the target side, any size (resized to twice the packed size on import). */
  readonly rgb?: () => Promise<RgbImage>;
}

async function dirExists(p: string): Promise<boolean> {
  return (await Deno.stat(p).catch(() => undefined))?.isDirectory ?? false;
}

/** Packs a single-channel RGGB mosaic (row-major) into R, Gr, Gb, B. */
export function packMosaic(
  mosaic: ArrayLike<number>,
  width: number,
  height: number,
  offset: [number, number] = [0, 0],
  clipAt = 65535,
): { width: number; height: number; data: Uint16Array; clipped: number } {
  const [oy, ox] = offset;
  const pw = (width - ox) >> 1, ph = (height - oy) >> 1;
  const data = new Uint16Array(pw * ph * 4);
  let clipped = 0;
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      const s = (2 * y + oy) * width + 2 * x + ox;
      const v = [mosaic[s], mosaic[s + 1], mosaic[s + width], mosaic[s + width + 1]];
      for (let c = 0; c < 4; c++) {
        let n = v[c];
        if (n > clipAt) (n = clipAt), clipped++;
        data[4 * (y * pw + x) + c] = n;
      }
    }
  }
  return { width: pw, height: ph, data, clipped };
}

/** Reads a 16-bit (or 8-bit) single-channel PNG Bayer mosaic, as the PyNET/PUNET loaders do. */
export async function readMosaicPng(
  path: string,
): Promise<{ width: number; height: number; data: ArrayLike<number> }> {
  let png;
  try {
    png = decodePng(await Deno.readFile(path));
  } catch (e) {
    throw new InputError(path, `not a readable PNG mosaic: ${(e as Error).message}`);
  }
  if (png.channels !== 1) {
    throw new InputError(
      path,
      `expected a single-channel Bayer mosaic, got ${png.channels} channels`,
    );
  }
  return { width: png.width, height: png.height, data: png.data as ArrayLike<number> };
}

/** ZRR / MAI: paired `<split>/<rawDir>/<i>.png` mosaics and `<split>/<rgbDir>/<i>.*` targets. */
async function pngPairs(
  root: string,
  splits: readonly string[],
  rawDir: string,
  rgbDir: string,
): Promise<Photo[]> {
  const photos: Photo[] = [];
  let found = false;
  for (const split of splits) {
    const rd = join(root, split, rawDir), td = join(root, split, rgbDir);
    if (!(await dirExists(rd))) continue;
    found = true;
    const targets = new Map<string, string>();
    if (await dirExists(td)) {
      for (const f of await listFiles(td, /\.(png|jpe?g)$/i)) targets.set(stem(f), f);
    }
    for (const f of await listFiles(rd, /^[^.]/)) {
      if (!/\.png$/i.test(f)) throw new InputError(f, `not a PNG mosaic in ${rawDir}/`);
      const name = `${split}-${stem(f)}`;
      const t = targets.get(stem(f));
      photos.push({
        name,
        kind: t ? "pair" : "raw",
        raw: async () => {
          const m = await readMosaicPng(f);
          // 4·255 = 1020 is the loaders' divisor: counts above it would exceed 1.0 there.
          const p = packMosaic(m.data, m.width, m.height, [0, 0], 1020);
          return { ...p, blackLevel: [0, 0, 0, 0], whiteLevel: 1020, bitDepth: 10 };
        },
        rgb: t ? () => readImage(t) : undefined,
      });
    }
  }
  if (!found) {
    throw new InputError(root, `expected ${splits.map((s) => `${s}/${rawDir}/`).join(" or ")}`);
  }
  return photos;
}

async function ntirePhotos(root: string): Promise<Photo[]> {
  const photos: Photo[] = [];
  const trainRaw = join(root, "train", "raws"), trainRgb = join(root, "train", "jpegs");
  if (!(await dirExists(trainRaw))) throw new InputError(root, "expected train/raws/*.npy");
  const npy = (f: string) => async (): Promise<PackedCounts> => {
    const a = await readNpy(f);
    if (a.shape.length !== 3 || a.shape[2] !== 4 || a.dtype === "float32") {
      throw new InputError(f, `expected integer (H, W, 4) counts, got ${a.dtype} (${a.shape})`);
    }
    return {
      width: a.shape[1],
      height: a.shape[0],
      data: Uint16Array.from(a.data as ArrayLike<number>),
      blackLevel: [0, 0, 0, 0],
      whiteLevel: 1023,
      bitDepth: 10,
    };
  };
  for (const f of await listFiles(trainRaw, /\.npy$/i)) {
    photos.push({ name: `train-${stem(f)}`, kind: "raw", fixedSplit: "train", raw: npy(f) });
  }
  if (await dirExists(trainRgb)) {
    for (const f of await listFiles(trainRgb, /\.(png|jpe?g)$/i)) {
      photos.push({
        name: `train-${stem(f)}`,
        kind: "rgb",
        fixedSplit: "train",
        rgb: () => readImage(f),
      });
    }
  }
  for (const split of ["val", "test"]) {
    const rd = join(root, split, "raws"), td = join(root, split, "jpegs");
    if (!(await dirExists(rd)) || !(await dirExists(td))) continue;
    const targets = new Map<string, string>();
    for (const f of await listFiles(td, /\.(png|jpe?g)$/i)) targets.set(stem(f), f);
    for (const f of await listFiles(rd, /\.npy$/i)) {
      const t = targets.get(stem(f));
      if (t) {
        photos.push({
          name: `${split}-${stem(f)}`,
          kind: "pair",
          raw: npy(f),
          rgb: () => readImage(t),
        });
      }
    }
  }
  return photos;
}

async function cameraPhotos(
  dir: string,
  reader: CameraRawReader,
  targetsDir?: string,
): Promise<Photo[]> {
  if (!(await dirExists(dir))) throw new InputError(dir, "--in folder does not exist");
  const raws = (await listFiles(dir, /^[^.]/)).filter((f) => CAMERA_RAW_EXT.test(f));
  if (raws.length === 0) throw new InputError(dir, "no camera RAW files (DNG, CR2, NEF, ARW, …)");
  const targets = new Map<string, string>();
  if (targetsDir) {
    if (!(await dirExists(targetsDir))) {
      throw new InputError(targetsDir, "--targets folder does not exist");
    }
    for (const f of await listFiles(targetsDir, /\.(png|jpe?g)$/i)) targets.set(stem(f), f);
  }
  const photos: Photo[] = raws.map((f) => {
    const t = targets.get(stem(f));
    return {
      name: stem(f),
      kind: t ? "pair" : "raw",
      raw: async () => {
        const cr = await reader.read(f);
        const p = packMosaic(cr.mosaic, cr.width, cr.height, R_OFFSET[cr.cfa]);
        return {
          width: p.width,
          height: p.height,
          data: p.data,
          blackLevel: cr.blackLevel,
          whiteLevel: cr.whiteLevel,
          bitDepth: cr.bitDepth,
          camera: {
            whiteBalance: cr.whiteBalance,
            camToSrgb: cr.camToSrgb,
            orientation: cr.orientation,
            make: cr.make,
            model: cr.model,
          },
        };
      },
      rgb: t ? () => readImage(t) : undefined,
    };
  });
  const rawStems = new Set(photos.map((p) => p.name));
  for (const [s, f] of targets) {
    if (!rawStems.has(s)) photos.push({ name: s, kind: "rgb", rgb: () => readImage(f) });
  }
  return photos;
}

/** Lists the photos of an input folder in a format. */
export async function readFormat(
  format: ImportFormat,
  input: string,
  reader: CameraRawReader,
  targets?: string,
): Promise<Photo[]> {
  switch (format) {
    case "zrr":
      return await pngPairs(input, ["train", "test"], "huawei_raw", "canon");
    case "mai":
      return await pngPairs(input, ["train", "val", "test"], "mediatek_raw", "fujifilm");
    case "ntire":
      return await ntirePhotos(input);
    case "camera-raw":
      return await cameraPhotos(input, reader, targets);
  }
}
