/**
 * Input checks shared by the image metrics: both images the same size, the pixel buffer as long
 * as the size says, every value finite. Failures are {@link InputError}s naming the file.
 * @module
 */
import { InputError } from "../harness/errors.ts";
import type { RgbImage } from "../harness/types.ts";

/** File names used in error messages (defaults: `"pred"` and `"gt"`). */
export interface PairNames {
  /** The prediction's file name. */
  readonly pred: string;
  /** The ground truth's file name. */
  readonly gt: string;
}

/** Options every image metric accepts. */
export interface MetricOptions {
  /** File names for error messages; defaults to `{ pred: "pred", gt: "gt" }`. */
  readonly names?: PairNames;
}

/** The default names when the caller passes none. */
export const DEFAULT_NAMES: PairNames = { pred: "pred", gt: "gt" };

/**
 * Throws unless `pred` and `gt` are well-formed RGB images of the same size.
 * @throws {InputError} naming `names.pred` on a size mismatch or a malformed buffer
 */
export function checkPair(pred: RgbImage, gt: RgbImage, names: PairNames = DEFAULT_NAMES): void {
  checkShape(gt, names.gt);
  checkShape(pred, names.pred);
  if (pred.width !== gt.width || pred.height !== gt.height) {
    throw new InputError(
      names.pred,
      `size ${pred.width}×${pred.height} differs from ground truth ${names.gt} ` +
        `(${gt.width}×${gt.height})`,
    );
  }
}

function checkShape(img: RgbImage, name: string): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InputError(name, `invalid image size ${width}×${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new InputError(
      name,
      `pixel buffer holds ${data.length} values, expected ${width}×${height}×3`,
    );
  }
}

/**
 * Throws if any value of `img` is NaN or ±∞ (such a value would silently poison a mean).
 * @throws {InputError} naming the file and the first bad pixel
 */
export function checkFinite(img: RgbImage, name: string): void {
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    // `v - v` is NaN exactly when v is NaN or ±∞, and is cheaper than Number.isFinite.
    if (d[i] - d[i] !== 0) {
      const p = Math.floor(i / 3);
      throw new InputError(
        name,
        `non-finite value ${d[i]} at pixel (${p % img.width}, ${Math.floor(p / img.width)}) ` +
          `channel ${i % 3}`,
      );
    }
  }
}
