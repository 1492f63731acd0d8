/**
 * Small known-truth unpaired data built from real photographs, for tests and for the pairing
 * report when no fixture dataset is at hand. The RAW side is a crude camera: sRGB decoded to
 * linear light, a per-channel gain (no white balance), an RGGB mosaic and 10-bit quantisation.
 * The RGB side is the photo itself. Each photo is cut into disjoint RAW and RGB scenes (different
 * crops), each scene into row-major tiles named `<scene>_<index>`.
 * @module
 */
import { readImage } from "../../../harness/io/image.ts";
import { mosaicRgb } from "../isp/mosaic.ts";
import type { RawImage, RgbImage, Sample } from "../../../harness/types.ts";
import { createRng } from "../../../harness/random.ts";
import type { PairingTruth } from "./truth.ts";

/** Colour photographs shipped with scikit-image (CC0 / public domain). */
export const SKIMAGE_PHOTOS = [
  "astronaut.png",
  "chelsea.png",
  "coffee.png",
  "motorcycle_left.png",
  "rocket.jpg",
  "retina.jpg",
  "ihc.png",
  "hubble_deep_field.jpg",
].map((f) => `/usr/lib/python3/dist-packages/skimage/data/${f}`);

/** Crops a rectangle out of an RGB image. */
export function cropRgb(img: RgbImage, x0: number, y0: number, w: number, h: number): RgbImage {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((y0 + y) * img.width + x0) * 3;
    data.set(img.data.subarray(src, src + w * 3), y * w * 3);
  }
  return { width: w, height: h, data };
}

/** A crude phone RAW of an sRGB image: linear light × channel gains, RGGB, packed, 10-bit. */
export function toCameraRaw(img: RgbImage, gains = [0.55, 1, 0.7]): RawImage {
  const lin = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.round(Math.min(1, lin(img.data[i]) * gains[i % 3]) * 1023) / 1023;
  }
  return mosaicRgb({ width: img.width, height: img.height, data });
}

/** Known-truth synthetic unpaired split. */
export interface SyntheticSplit {
  /** RAW patches (packed, tile/2 per side). */
  readonly raws: Sample<RawImage>[];
  /** RGB patches (tile per side). */
  readonly rgbs: Sample<RgbImage>[];
  /** True rendering of each RAW patch (the photo crop), by RAW name. */
  readonly truth: Map<string, Sample<RgbImage>>;
  /** Same layout as a fixture's `hidden/truth.json`. */
  readonly truthJson: PairingTruth;
}

/** Options of {@link syntheticSplit}. */
export interface SyntheticOptions {
  /** Photo files (default: the first 5 of {@link SKIMAGE_PHOTOS}). */
  readonly photos?: readonly string[];
  /** Tile side in target pixels (even). */
  readonly tile?: number;
  /** Tile rows and columns of a scene. */
  readonly rows?: number;
  /** Tile columns of a scene. */
  readonly cols?: number;
  /** Seed of the crop positions. */
  readonly seed?: number;
}

const mem = <T>(name: string, v: T): Sample<T> => ({ name, load: () => Promise.resolve(v) });

/**
 * Builds one RAW scene and one RGB scene per photo from two random (possibly overlapping) crops.
 *
 * @example
 * ```ts
 * const s = await syntheticSplit({ tile: 32, rows: 2, cols: 3 });
 * ```
 */
export async function syntheticSplit(opts: SyntheticOptions = {}): Promise<SyntheticSplit> {
  const photos = opts.photos ?? SKIMAGE_PHOTOS.slice(0, 5);
  const tile = opts.tile ?? 32, rows = opts.rows ?? 2, cols = opts.cols ?? 3;
  const rng = createRng(opts.seed ?? 1);
  const raws: Sample<RawImage>[] = [], rgbs: Sample<RgbImage>[] = [];
  const truth = new Map<string, Sample<RgbImage>>();
  const truthJson: {
    version: number;
    mode: "crops";
    rawScenes: Record<string, string>;
    rgbScenes: Record<string, string>;
    patches: Record<string, PairingTruth["patches"][string]>;
  } = {
    version: 1,
    mode: "crops",
    rawScenes: {},
    rgbScenes: {},
    patches: {},
  };
  const sw = tile * cols, sh = tile * rows;
  for (let p = 0; p < photos.length; p++) {
    const photo = await readImage(photos[p]);
    if (photo.width < sw || photo.height < sh) {
      throw new RangeError(`${photos[p]} is smaller than a ${sw}×${sh} scene`);
    }
    const id = `photo${p}`;
    for (const side of ["raw", "rgb"] as const) {
      const scene = `${side}${p}`;
      (side === "raw" ? truthJson.rawScenes : truthJson.rgbScenes)[scene] = id;
      const x0 = rng.int(photo.width - sw + 1), y0 = rng.int(photo.height - sh + 1);
      for (let i = 0; i < rows * cols; i++) {
        const x = x0 + (i % cols) * tile, y = y0 + Math.floor(i / cols) * tile;
        const crop = cropRgb(photo, x, y, tile, tile);
        const name = `${scene}_${i}`;
        truthJson.patches[name] = { photo: id, x, y, w: tile, h: tile };
        if (side === "raw") {
          raws.push(mem(name, toCameraRaw(crop)));
          truth.set(name, mem(name, crop));
        } else rgbs.push(mem(name, crop));
      }
    }
  }
  return { raws, rgbs, truth, truthJson };
}
