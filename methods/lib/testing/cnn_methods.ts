/**
 * Test support shared by the three colour-CNN methods (`semantic-pairing`, `cnn-unpaired`,
 * `oracle-paired`): one small known-truth split, a CPU method context, a few-step schedule, and
 * the smoke check every one of them must pass.
 * @module
 */
import assert from "node:assert/strict";
import type { Method, MethodContext, Model } from "../../../harness/method.ts";
import type { RawImage, RgbImage } from "../../../harness/types.ts";
import { SKIMAGE_PHOTOS, type SyntheticSplit, syntheticSplit } from "../pairing/synthetic.ts";

/**
 * The small split of the method tests: 3 photos, 2×2 tiles of 32 px per scene, seed 2.
 * @example
 * ```ts
 * const split = await tinySplit();
 * ```
 */
export function tinySplit(): Promise<SyntheticSplit> {
  return syntheticSplit({
    photos: SKIMAGE_PHOTOS.slice(0, 3),
    tile: 32,
    rows: 2,
    cols: 2,
    seed: 2,
  });
}

/** A CPU method context (seed 42, fresh scratch folder) that collects log lines into `logs`. */
export function testContext(
  options: MethodContext["options"],
  logs: string[] = [],
): MethodContext {
  return {
    seed: 42,
    device: "cpu",
    options,
    workDir: Deno.makeTempDirSync(),
    progress: () => {},
    log: (m) => logs.push(m),
  };
}

/** A three-step schedule on 16 px crops in the main thread: enough to run every code path. */
export const TINY_SCHEDULE: MethodContext["options"] = {
  steps: 3,
  batchSize: 4,
  crop: 16,
  workers: 0,
};

/**
 * Trains `method` on `split` with {@link TINY_SCHEDULE} and asserts what all colour-CNN methods
 * share: the paper's 7,055 parameters, a full-size render (2H×2W×3) with values in [0, 1] that are
 * not constant, and a log line for the last step. Returns the model (the caller disposes of it),
 * the first RAW patch and its render, for method-specific checks.
 * @example
 * ```ts
 * const { model } = await assertTrainsAndRenders(cnnUnpairedMethod, await tinySplit());
 * await model.dispose?.();
 * ```
 */
export async function assertTrainsAndRenders(
  method: Method,
  split: SyntheticSplit,
): Promise<{ model: Model; raw: RawImage; out: RgbImage }> {
  const logs: string[] = [];
  const model = await method.train(
    { raws: split.raws, rgbs: split.rgbs, truth: split.truth },
    testContext(TINY_SCHEDULE, logs),
  );
  assert.equal(model.params, 7055);
  assert.equal(method.params, 7055);
  const raw = await split.raws[0].load();
  const out = await model.render(raw);
  assert.equal(out.width, 2 * raw.width);
  assert.equal(out.height, 2 * raw.height);
  assert.equal(out.data.length, out.width * out.height * 3);
  let lo = Infinity, hi = -Infinity;
  for (const v of out.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  assert.ok(lo >= 0 && hi <= 1 && hi > lo, `range ${lo}..${hi}`);
  assert.ok(logs.some((l) => l.includes("step 3/3")), logs.join("\n"));
  return { model, raw, out };
}
