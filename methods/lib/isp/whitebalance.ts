/**
 * White balance on linear RGB: fixed per-channel gains, or grey-world gains.
 * @module
 */
import type { RgbImage } from "../../../harness/types.ts";

/**
 * Grey-world gains `[mean(G)/mean(R), 1, mean(G)/mean(B)]` of a linear RGB image, so the three
 * channel means become equal. A channel with a non-positive mean keeps gain 1 (nothing to scale).
 * @example
 * ```ts
 * const [gr, , gb] = greyWorldGains(linearRgb);
 * ```
 */
export function greyWorldGains(img: RgbImage): [number, number, number] {
  const sums = [0, 0, 0];
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    sums[0] += d[i];
    sums[1] += d[i + 1];
    sums[2] += d[i + 2];
  }
  const g = sums[1];
  const gain = (s: number) => (s > 0 && g > 0 ? g / s : 1);
  return [gain(sums[0]), 1, gain(sums[2])];
}

/** Multiplies each channel by its gain, in place, and returns the image. */
export function applyGains(img: RgbImage, gains: readonly [number, number, number]): RgbImage {
  const d = img.data;
  const [r, g, b] = gains;
  for (let i = 0; i < d.length; i += 3) {
    d[i] *= r;
    d[i + 1] *= g;
    d[i + 2] *= b;
  }
  return img;
}
