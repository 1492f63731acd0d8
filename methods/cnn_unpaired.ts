/**
 * `cnn-unpaired`, the ablation of the reference method: the same pre-ISP, 7,055-parameter CNN and
 * losses, but every source crop meets a uniformly random target — no pseudo pairs. The gap to
 * `semantic-pairing` is what the pairing buys.
 * @module
 */
import type { Method, MethodContext, Model, TrainSplit } from "../harness/method.ts";
import {
  CNN_FAST_PROFILE,
  CNN_OPTIONS,
  CNN_PAPER_PROFILE,
  COLOR_CNN_PARAMS,
  colorCnnModel,
  loadAll,
  preIspAll,
  readCnnOptions,
  trainOnSampler,
} from "./lib/cnn_method.ts";
import { uniformSampler } from "./lib/train_data.ts";

/** Quick CPU bench options: the colour-CNN methods' shared fast profile. */
export const FAST_PROFILE: Readonly<Record<string, number | string | boolean>> = CNN_FAST_PROFILE;

/** The paper-faithful profile (`--profile paper`), shared by the colour-CNN methods. */
export const PAPER_PROFILE: Readonly<Record<string, number | string | boolean>> = CNN_PAPER_PROFILE;

/** The unpaired ablation. */
export const cnnUnpairedMethod: Method = {
  name: "cnn-unpaired",
  description: "Ablation of semantic-pairing: the same pre-ISP, 7,055-parameter colour CNN and " +
    "distribution losses, with targets drawn uniformly at random instead of pseudo pairs.",
  params: COLOR_CNN_PARAMS,
  options: CNN_OPTIONS,
  async train(split: TrainSplit, ctx: MethodContext): Promise<Model> {
    const o = readCnnOptions(ctx.options);
    const src = await preIspAll(split.raws, o.preIsp, ctx, o.denoise);
    const targets = await loadAll(split.rgbs);
    const sampler = uniformSampler(src.images, targets, {
      batchSize: o.batchSize,
      crop: o.crop,
      seed: ctx.seed,
    });
    return colorCnnModel(await trainOnSampler(sampler, o, ctx, "cnn-unpaired"), o, ctx.device);
  },
};

export default cnnUnpairedMethod;
