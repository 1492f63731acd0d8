/**
 * The scorer of the protocol: the only place that reads targets. Predictions are read back from
 * the PNGs the method's output was written to, so scores are those of the 8-bit files a
 * submission would contain; targets are loaded here, compared, and dropped.
 * @module
 */
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { readImage } from "../io/image.ts";
import { scoreImage } from "../score.ts";
import type { ImageScore } from "../store/types.ts";
import type { RgbImage, Sample } from "../types.ts";

/**
 * Scores `<predDir>/<name>.png` against each target, in `names` order.
 *
 * @throws {InputError} naming the prediction file when it is missing or its size differs
 * @example
 * ```ts
 * const scores = await scorePredictions("out/run/pred/val", ["a_0"], dataset.val.targets);
 * ```
 */
export async function scorePredictions(
  predDir: string,
  names: readonly string[],
  targets: ReadonlyMap<string, Sample<RgbImage>>,
  onImage?: (done: number) => void,
): Promise<{ scores: ImageScore[]; pixels: number[] }> {
  const scores: ImageScore[] = [];
  const pixels: number[] = [];
  for (const [i, name] of names.entries()) {
    const target = targets.get(name);
    if (!target) throw new InputError(name, "no target for this prediction");
    const file = join(predDir, `${name}.png`);
    const pred = await readImage(file);
    const gt = await target.load();
    if (pred.width !== gt.width || pred.height !== gt.height) {
      throw new InputError(
        file,
        `prediction is ${pred.width}×${pred.height}, target is ${gt.width}×${gt.height}`,
      );
    }
    scores.push(scoreImage(name, pred, gt));
    pixels.push(gt.width * gt.height);
    onImage?.(i + 1);
  }
  return { scores, pixels };
}
