/**
 * Core data types shared by every part of isp-bench. Images are plain typed arrays with their
 * size, so hot loops stay simple and data can be transferred to workers without copying.
 * @module
 */

/** An sRGB (or processed RGB) image: interleaved R, G, B, row-major, values in [0, 1]. */
export interface RgbImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `width * height * 3` values, interleaved RGB, in [0, 1]. */
  readonly data: Float32Array;
}

/**
 * A packed Bayer RAW image: shape (height, width, 4), channels in canonical order R, Gr, Gb, B,
 * normalised to [0, 1] after black/white levels (`(dn - black) / (white - black)`, clipped).
 * One packed pixel covers a 2×2 RGGB block, so the full-resolution mosaic is 2·height × 2·width.
 */
export interface RawImage {
  /** Packed width (half the mosaic width). */
  readonly width: number;
  /** Packed height (half the mosaic height). */
  readonly height: number;
  /** `width * height * 4` values, interleaved R, Gr, Gb, B, in [0, 1]. */
  readonly data: Float32Array;
  /** Camera metadata, when known (camera RAW files, imported datasets): enables the camera-aware
   * classical pipeline. */
  readonly camera?: CameraMeta;
}

/** What a camera-aware pipeline needs besides the normalised mosaic. Every field is optional. */
export interface CameraMeta {
  /** As-shot white-balance multipliers R, G, B (G = 1). */
  readonly whiteBalance?: readonly [number, number, number];
  /** Camera RGB → linear sRGB, row-major 3×3. */
  readonly camToSrgb?: readonly number[];
  /** Exposure gain on linear sRGB, fixed for a whole photo (so its tiles render alike). */
  readonly exposure?: number;
  /** EXIF orientation 1–8 of the photo (tiles stay in sensor orientation). */
  readonly orientation?: number;
  /** Camera make. */
  readonly make?: string;
  /** Camera model. */
  readonly model?: string;
}

/** A dense row-major float64 matrix. */
export interface Matrix {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** `rows * cols` values, row-major. */
  readonly data: Float64Array;
}

/** A named item whose pixels are loaded on demand, so large splits need not sit in memory. */
export interface Sample<T> {
  /** File stem, e.g. `scene12_3` (patches are named `<scene>_<index>`). */
  readonly name: string;
  /** Loads (and decodes) the item. */
  load(): Promise<T>;
}

/** Creates an empty RGB image of the given size. */
export function createRgbImage(width: number, height: number): RgbImage {
  return { width, height, data: new Float32Array(width * height * 3) };
}
