/**
 * `semantic-pairing`, the reference method (Armangeon, Li, Cho, NTIRE 2026; see
 * REFERENCE_METHOD.md): pre-ISP every training RAW, stitch scenes, describe them, match RAW
 * scenes to RGB scenes and then patches within matched scenes by optimal transport, and train the
 * 7,055-parameter colour CNN on the pseudo pairs with distribution losses only.
 * @module
 */
import { OptionError } from "../harness/errors.ts";
import type { Method, MethodContext, Model, OptionSpec, TrainSplit } from "../harness/method.ts";
import { createBuiltinEmbedder } from "./lib/embed/builtin.ts";
import { createDinov2Embedder } from "./lib/embed/dinov2.ts";
import type { Embedder } from "./lib/embed/embedder.ts";
import {
  CNN_FAST_PROFILE,
  CNN_OPTIONS,
  CNN_PAPER_PROFILE,
  type CnnMethodOptions,
  COLOR_CNN_PARAMS,
  colorCnnModel,
  loadAll,
  optionValue,
  preIspAll,
  readCnnOptions,
  trainOnSampler,
} from "./lib/cnn_method.ts";
import {
  type ImageWeighting,
  OT_VARIANTS,
  type OtVariant,
  SCENE_PAIRING_DEFAULTS,
} from "./lib/pairing/image_pairing.ts";
import { PATCH_PAIRING_DEFAULTS } from "./lib/pairing/patch_pairing.ts";
import { buildPseudoPairs, type PseudoPairOptions } from "./lib/pairing/pseudo_pairs.ts";
import { type BatchSampler, pseudoPairSampler } from "./lib/train_data.ts";

/** Pairing options of `semantic-pairing` (the CNN ones come from {@link CNN_OPTIONS}). */
const PAIRING_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  embedder: {
    type: "string",
    default: "builtin",
    description: "descriptors: weight-free builtin, or DINOv2 from a local ONNX file",
    choices: ["builtin", "dinov2"],
  },
  dinov2Model: {
    type: "string",
    default: "",
    description:
      "path of the DINOv2 ViT-S/14 ONNX file (embedder dinov2; else $ISP_BENCH_DINOV2_ONNX)",
  },
  ot: {
    type: "string",
    default: SCENE_PAIRING_DEFAULTS.ot,
    description: "image-level OT: exact FGW (best in the pairing report), the paper's surrogate, " +
      "plain Sinkhorn",
    choices: [...OT_VARIANTS],
  },
  alpha: { type: "number", default: 0.5, description: "FGW structure/feature trade-off α" },
  epsilon: { type: "number", default: 0.05, description: "image-level entropic ε" },
  iterations: { type: "number", default: 20, description: "image-level Sinkhorn iterations" },
  temperature: { type: "number", default: 1, description: "cost temperature T" },
  imageTopK: {
    type: "number",
    default: 10,
    description: "target scenes kept per RAW scene (paper 10; also the best trained val score " +
      "on the fixtures)",
  },
  imageWeighting: {
    type: "string",
    default: "scores",
    description: "image weights: clipped-normalised plan scores, or rank prior 0.4/0.3/0.2/0.1",
    choices: ["scores", "rank"],
  },
  patchEpsilon: { type: "number", default: 0.05, description: "patch-level entropic ε" },
  patchIterations: { type: "number", default: 20, description: "patch-level Sinkhorn iterations" },
  pseudoTopK: { type: "number", default: 8, description: "pseudo targets kept per RAW patch" },
  maxSceneSide: {
    type: "number",
    default: 512,
    description: "stitched scenes are box-downscaled to at most this side before description",
  },
};

const OPTIONS: Readonly<Record<string, OptionSpec>> = { ...CNN_OPTIONS, ...PAIRING_OPTIONS };

/**
 * The fast CPU profile of the bench (2-core box), shared by the colour-CNN methods: see
 * {@link CNN_FAST_PROFILE} and docs/reference-method.md for how it was chosen (on val).
 */
export const FAST_PROFILE: Readonly<Record<string, number | string | boolean>> = CNN_FAST_PROFILE;

/**
 * The paper-faithful profile (`--profile paper`): the colour-CNN paper profile (identity head,
 * crop 512, batch 24, 10 epochs, denoise step) with the paper's own image-level matching (its
 * FGW surrogate) keeping the top-10 target scenes weighted by their plan scores.
 */
export const PAPER_PROFILE: Readonly<Record<string, number | string | boolean>> = {
  ...CNN_PAPER_PROFILE,
  ot: "paper-surrogate",
  imageTopK: 10,
  imageWeighting: "scores",
};

function pairingOptions(options: MethodContext["options"]): PseudoPairOptions {
  const num = (k: string) => optionValue<number>(options, OPTIONS, k);
  const str = (k: string) => optionValue<string>(options, OPTIONS, k);
  return {
    scene: {
      ot: str("ot") as OtVariant,
      alpha: num("alpha"),
      epsilon: num("epsilon"),
      iterations: num("iterations"),
      temperature: num("temperature"),
      topK: num("imageTopK"),
      weighting: str("imageWeighting") as ImageWeighting,
      rankPrior: SCENE_PAIRING_DEFAULTS.rankPrior,
    },
    patch: {
      epsilon: num("patchEpsilon"),
      iterations: num("patchIterations"),
      temperature: num("temperature"),
      kernelFloor: PATCH_PAIRING_DEFAULTS.kernelFloor,
      keep: num("pseudoTopK"),
    },
    maxSceneSide: num("maxSceneSide"),
  };
}

async function makeEmbedder(options: MethodContext["options"]): Promise<Embedder> {
  const kind = optionValue<string>(options, OPTIONS, "embedder");
  if (kind === "builtin") return createBuiltinEmbedder();
  const path = optionValue<string>(options, OPTIONS, "dinov2Model");
  return await createDinov2Embedder(path ? { model: path } : {});
}

/**
 * Everything of the reference method before the CNN's training: pre-ISP (+ denoise) of the train
 * RAWs, scene stitching, descriptors, image- and patch-level pairing, and the pseudo-pair batch
 * sampler. Exposed so that experiments (learning curves) can train on the very same batches.
 */
export async function semanticPairingSampler(
  split: TrainSplit,
  ctx: MethodContext,
): Promise<{ sampler: BatchSampler; options: CnnMethodOptions }> {
  const o = readCnnOptions(ctx.options);
  const pairing = pairingOptions(ctx.options);
  const keep = pairing.patch?.keep ?? 8;
  if (!(Number.isInteger(keep) && keep >= 1)) throw new OptionError("pseudoTopK", "must be ≥ 1");
  const src = await preIspAll(split.raws, o.preIsp, ctx, o.denoise);
  const targets = await loadAll(split.rgbs);
  const embedder = await makeEmbedder(ctx.options);
  try {
    const t0 = performance.now();
    const p = await buildPseudoPairs(
      {
        srcNames: split.raws.map((s) => s.name),
        srcImages: src.images,
        srcRaws: src.raws,
        tgtNames: split.rgbs.map((s) => s.name),
        tgtImages: targets,
      },
      embedder,
      pairing,
    );
    const flagged = p.srcLayouts.filter((l) => l.ambiguous).length +
      p.tgtLayouts.filter((l) => l.ambiguous).length;
    ctx.log(
      `semantic-pairing: ${p.srcScenes.length} RAW × ${p.tgtScenes.length} RGB scenes paired ` +
        `(${embedder.name}/${pairing.scene?.ot}) in ${(performance.now() - t0).toFixed(0)} ms; ` +
        `${flagged} ambiguous layouts`,
    );
    const sampler = pseudoPairSampler(src.images, targets, p.pairs, {
      batchSize: o.batchSize,
      crop: o.crop,
      seed: ctx.seed,
      topK: keep,
    });
    return { sampler, options: o };
  } finally {
    await embedder.dispose?.();
  }
}

/** The reference method. */
export const semanticPairingMethod: Method = {
  name: "semantic-pairing",
  description: "Reference method (Armangeon, Li, Cho, NTIRE 2026): classical pre-ISP, scene " +
    "stitching, image- then patch-level optimal-transport pseudo-pairing on weight-free " +
    "descriptors (or DINOv2), and a 7,055-parameter residual colour CNN trained with moment, " +
    "histogram, Gram and TV losses on the pseudo pairs.",
  params: COLOR_CNN_PARAMS,
  options: OPTIONS,
  async train(split: TrainSplit, ctx: MethodContext): Promise<Model> {
    const { sampler, options } = await semanticPairingSampler(split, ctx);
    return colorCnnModel(
      await trainOnSampler(sampler, options, ctx, "semantic-pairing"),
      options,
      ctx.device,
    );
  },
};

export default semanticPairingMethod;
