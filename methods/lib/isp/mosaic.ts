/**
 * Packed Bayer ↔ full-resolution RGGB mosaic. The packed channels R, Gr, Gb, B of packed pixel
 * (y, x) sit at mosaic sites (2y, 2x), (2y, 2x+1), (2y+1, 2x), (2y+1, 2x+1).
 * @module
 */
import type { RawImage, RgbImage } from "../../../harness/types.ts";

/** A single-channel RGGB Bayer mosaic, row-major, values in [0, 1]. */
export interface Mosaic {
  /** Mosaic width (twice the packed width). */
  readonly width: number;
  /** Mosaic height (twice the packed height). */
  readonly height: number;
  /** `width * height` samples. */
  readonly data: Float32Array;
}

/**
 * Unpacks a packed RAW (H×W×4) into its 2H×2W RGGB mosaic.
 * @example
 * ```ts
 * const m = remosaic({ width: 1, height: 1, data: new Float32Array([0.1, 0.2, 0.3, 0.4]) });
 * // m.data = [0.1, 0.2, 0.3, 0.4] as a 2×2 image: R Gr / Gb B
 * ```
 */
export function remosaic(raw: RawImage): Mosaic {
  const { width, height, data } = raw;
  const mw = 2 * width;
  const out = new Float32Array(4 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = 4 * (y * width + x);
      const d = 2 * y * mw + 2 * x;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + mw] = data[s + 2];
      out[d + mw + 1] = data[s + 3];
    }
  }
  return { width: mw, height: 2 * height, data: out };
}

/**
 * Samples an RGB image at RGGB sites into a packed RAW (the inverse of demosaicking, used to build
 * test inputs from photographs). An odd last row or column is dropped.
 */
export function mosaicRgb(img: RgbImage): RawImage {
  const width = img.width >> 1;
  const height = img.height >> 1;
  const src = img.data;
  const iw = img.width;
  const out = new Float32Array(4 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = 4 * (y * width + x);
      const p00 = 3 * (2 * y * iw + 2 * x);
      const p10 = p00 + 3 * iw;
      out[d] = src[p00];
      out[d + 1] = src[p00 + 4];
      out[d + 2] = src[p10 + 1];
      out[d + 3] = src[p10 + 5];
    }
  }
  return { width, height, data: out };
}
