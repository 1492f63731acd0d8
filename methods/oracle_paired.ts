/**
 * `oracle-paired`, an upper bound: the reference CNN trained on the TRUE pairs (each RAW patch's
 * own target, cropped at the same place) with a pixel L1 loss on top of the distribution losses.
 * It sees what no unpaired method may see, and is flagged as such.
 * @module
 */
import { InputError } from "../harness/errors.ts";
import type { Method, MethodContext, Model, OptionSpec, TrainSplit } from "../harness/method.ts";
import type { RgbImage } from "../harness/types.ts";
import {
  CNN_FAST_PROFILE,
  CNN_OPTIONS,
  CNN_PAPER_PROFILE,
  COLOR_CNN_PARAMS,
  colorCnnModel,
  preIspAll,
  readCnnOptions,
  trainOnSampler,
} from "./lib/cnn_method.ts";
import { alignedSampler } from "./lib/train_data.ts";

const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ...CNN_OPTIONS,
  lossPixelL1: { type: "number", default: 1, description: "pixel L1 against the true target" },
};

/** Quick CPU bench options: the colour-CNN methods' shared fast profile. */
export const FAST_PROFILE: Readonly<Record<string, number | string | boolean>> = CNN_FAST_PROFILE;

/** The paper-faithful profile (`--profile paper`), shared by the colour-CNN methods. */
export const PAPER_PROFILE: Readonly<Record<string, number | string | boolean>> = CNN_PAPER_PROFILE;

/** The paired upper bound. */
export const oraclePairedMethod: Method = {
  name: "oracle-paired",
  description: "Upper bound (uses the true pairs): the reference 7,055-parameter colour CNN " +
    "trained on each RAW patch's true target with pixel L1 plus the distribution losses.",
  params: COLOR_CNN_PARAMS,
  options: OPTIONS,
  usesTruth: true,
  async train(split: TrainSplit, ctx: MethodContext): Promise<Model> {
    const o = readCnnOptions({ lossPixelL1: 1, ...ctx.options });
    if (!split.truth) {
      throw new InputError(
        "hidden/train",
        "oracle-paired needs the true targets of the train RAWs",
      );
    }
    const truths: RgbImage[] = [];
    for (const r of split.raws) {
      const t = split.truth.get(r.name);
      if (!t) throw new InputError(r.name, "no true target for this train RAW patch");
      truths.push(await t.load());
    }
    const src = await preIspAll(split.raws, o.preIsp, ctx, o.denoise);
    const sampler = alignedSampler(src.images, truths, {
      batchSize: o.batchSize,
      crop: o.crop,
      seed: ctx.seed,
    }, split.raws.map((r) => r.name));
    return colorCnnModel(await trainOnSampler(sampler, o, ctx, "oracle-paired"), o, ctx.device);
  },
};

export default oraclePairedMethod;
