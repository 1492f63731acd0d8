/**
 * Camera RAW inputs ↔ {@link RawImage}: the NTIRE packed Bayer `.npy` (H, W, 4), with the channel
 * order and black/white levels as options.
 * @module
 */
import { InputError } from "../errors.ts";
import type { CameraMeta, RawImage } from "../types.ts";
import { decodeNpy, encodeNpy, type NdArray } from "./npy.ts";

/** Order of the four packed channels in the file. Canonical order inside isp-bench is RGGB. */
export type BayerOrder = "RGGB" | "BGGR" | "GRBG" | "GBRG";

/** Options for reading packed RAW. */
export interface RawOptions {
  /** Black level in DN: one number, or one per channel R, Gr, Gb, B (default 0). */
  blackLevel?: number | readonly number[];
  /** White level in DN (default 1023, 10-bit). */
  whiteLevel?: number;
  /** Channel order of the packed file (default `RGGB`: R, Gr, Gb, B). */
  order?: BayerOrder;
  /** Camera metadata to attach to the image (enables the camera-aware classical pipeline). */
  camera?: CameraMeta;
  /** Where the levels were declared, named in error messages (default `dataset.json`). */
  levelsFrom?: string;
}

/** Black level per canonical channel R, Gr, Gb, B. */
export function blackLevels(black: number | readonly number[] | undefined): number[] {
  if (black === undefined) return [0, 0, 0, 0];
  if (typeof black === "number") return [black, black, black, black];
  if (black.length === 1) return [black[0], black[0], black[0], black[0]];
  return [...black];
}

/** For each canonical channel (R, Gr, Gb, B), its index in a file of the given order. */
const SOURCE_INDEX: Record<BayerOrder, [number, number, number, number]> = {
  RGGB: [0, 1, 2, 3],
  BGGR: [3, 1, 2, 0],
  GRBG: [1, 0, 3, 2],
  GBRG: [2, 3, 0, 1],
};

/**
 * Converts a decoded packed-Bayer array (H, W, 4) into a normalised {@link RawImage}.
 * Integer data must lie in [0, whiteLevel]; float data must be finite.
 *
 * @throws {InputError} on a wrong shape, out-of-range or non-finite values
 */
export function rawFromArray(arr: NdArray, file = "<raw>", opts: RawOptions = {}): RawImage {
  const black = blackLevels(opts.blackLevel);
  const white = opts.whiteLevel ?? 1023;
  const order = opts.order ?? "RGGB";
  const from = opts.levelsFrom ?? "dataset.json";
  if (black.length !== 4 || !black.every((b) => Number.isFinite(b) && b >= 0)) {
    throw new InputError(
      file,
      `blackLevel must be one number or four (R, Gr, Gb, B), got [${black}] (${from})`,
    );
  }
  if (!(white > Math.max(...black))) {
    throw new InputError(
      file,
      `whiteLevel ${white} must exceed every blackLevel (${black.join(", ")}) (${from})`,
    );
  }
  if (arr.shape.length !== 3 || arr.shape[2] !== 4) {
    throw new InputError(
      file,
      `expected packed Bayer shape (H, W, 4), got (${arr.shape.join(", ")})`,
    );
  }
  const [height, width] = arr.shape;
  const src = SOURCE_INDEX[order];
  if (!src) throw new InputError(file, `unknown Bayer order '${order}'`);
  const n = width * height;
  const out = new Float32Array(n * 4);
  const isFloat = arr.dtype === "float32";
  const mins = [Infinity, Infinity, Infinity, Infinity];
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 4; c++) {
      const v = arr.data[4 * i + src[c]];
      if (isFloat ? !Number.isFinite(v) : v > white) {
        throw new InputError(
          file,
          isFloat
            ? `non-finite value ${v} at (${Math.floor(i / width)}, ${i % width}, ${src[c]})`
            : `value ${v} at (${Math.floor(i / width)}, ${i % width}) exceeds the white level ` +
              `${white}: set "whiteLevel" (or "bitDepth") in ${from} to the sensor's range`,
        );
      }
      if (v < mins[c]) mins[c] = v;
      if (v > max) max = v;
      const x = (v - black[c]) / (white - black[c]);
      out[4 * i + c] = x < 0 ? 0 : x > 1 ? 1 : x;
    }
  }
  if (isFloat && white > 1 && n > 0 && max <= 1) {
    throw new InputError(
      file,
      `float values in [0, 1] (max ${max.toPrecision(4)}) but the white level is ${white}: ` +
        `store raw counts as integers, or set "whiteLevel": 1 in ${from}`,
    );
  }
  // A pedestal in every channel while the declared black is 0: real black-subtracted data has
  // dark pixels near 0, and the four channel minima of a scene differ with its colour; a black
  // level left in lifts all four to about the same value.
  const lo = Math.min(...mins), hi = Math.max(...mins);
  if (
    black.every((b) => b === 0) && n >= 64 && lo >= Math.max(16, 0.02 * white) &&
    hi - lo <= 0.1 * lo
  ) {
    throw new InputError(
      file,
      `every channel's minimum is ≥ ${lo} (R, Gr, Gb, B minima ${
        mins.join(", ")
      }) while the black ` +
        `level is 0: a black level seems left in; set "blackLevel" in ${from} ` +
        `(e.g. [${mins.join(", ")}])`,
    );
  }
  return opts.camera
    ? { width, height, data: out, camera: opts.camera }
    : { width, height, data: out };
}

/** Decodes `.npy` bytes holding packed Bayer RAW. */
export function decodeRaw(bytes: Uint8Array, file = "<raw>", opts: RawOptions = {}): RawImage {
  return rawFromArray(decodeNpy(bytes, file), file, opts);
}

/** Reads a packed Bayer `.npy` RAW file. */
export async function readRaw(path: string, opts: RawOptions = {}): Promise<RawImage> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  return decodeRaw(bytes, path, opts);
}

/**
 * Encodes a normalised RAW as NTIRE-style `.npy`: uint16 DN in [black, white], RGGB order.
 * Values are rounded to the nearest DN.
 */
export function encodeRaw(raw: RawImage, opts: Omit<RawOptions, "order"> = {}): Uint8Array {
  const black = blackLevels(opts.blackLevel);
  const white = opts.whiteLevel ?? 1023;
  const data = new Uint16Array(raw.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Math.min(1, Math.max(0, raw.data[i]));
    const b = black[i & 3];
    data[i] = Math.round(b + v * (white - b));
  }
  return encodeNpy({ dtype: "uint16", shape: [raw.height, raw.width, 4], data });
}
