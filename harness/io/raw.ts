/**
 * Camera RAW inputs ↔ {@link RawImage}: the NTIRE packed Bayer `.npy` (H, W, 4), with the channel
 * order and black/white levels as options.
 * @module
 */
import { InputError } from "../errors.ts";
import type { RawImage } from "../types.ts";
import { decodeNpy, encodeNpy, type NdArray } from "./npy.ts";

/** Order of the four packed channels in the file. Canonical order inside isp-bench is RGGB. */
export type BayerOrder = "RGGB" | "BGGR" | "GRBG" | "GBRG";

/** Options for reading packed RAW. */
export interface RawOptions {
  /** Black level in DN (default 0). */
  blackLevel?: number;
  /** White level in DN (default 1023, 10-bit). */
  whiteLevel?: number;
  /** Channel order of the packed file (default `RGGB`: R, Gr, Gb, B). */
  order?: BayerOrder;
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
  const black = opts.blackLevel ?? 0;
  const white = opts.whiteLevel ?? 1023;
  const order = opts.order ?? "RGGB";
  if (!(white > black)) throw new InputError(file, `white level ${white} ≤ black level ${black}`);
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
  const scale = 1 / (white - black);
  const isFloat = arr.dtype === "float32";
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 4; c++) {
      const v = arr.data[4 * i + src[c]];
      if (isFloat ? !Number.isFinite(v) : v > white) {
        throw new InputError(
          file,
          isFloat
            ? `non-finite value ${v} at (${Math.floor(i / width)}, ${i % width}, ${src[c]})`
            : `value ${v} exceeds white level ${white} at (${Math.floor(i / width)}, ${i % width})`,
        );
      }
      const x = (v - black) * scale;
      out[4 * i + c] = x < 0 ? 0 : x > 1 ? 1 : x;
    }
  }
  return { width, height, data: out };
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
  const black = opts.blackLevel ?? 0;
  const white = opts.whiteLevel ?? 1023;
  const data = new Uint16Array(raw.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Math.min(1, Math.max(0, raw.data[i]));
    data[i] = Math.round(black + v * (white - black));
  }
  return encodeNpy({ dtype: "uint16", shape: [raw.height, raw.width, 4], data });
}
