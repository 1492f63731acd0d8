/**
 * What the three colour-CNN methods (`semantic-pairing`, `cnn-unpaired`, `oracle-paired`) share:
 * their options, the pre-ISP of the training RAWs, the training loop (reference method §7) and
 * the trained model (§8: pre-ISP of the whole image → CNN → clamp). They differ only in which
 * target each source crop is paired with, which the caller's sampler decides.
 * @module
 */
import { OptionError } from "../../harness/errors.ts";
import type { Device, MethodContext, Model, OptionSpec } from "../../harness/method.ts";
import type { RawImage, RgbImage, Sample } from "../../harness/types.ts";
import { forwardColorCnn } from "./cnn/forward.ts";
import { createJsKernels } from "./cnn/kernels.ts";
import { colourMomentMap, withColourHead } from "./cnn/head_init.ts";
import { initColorCnn } from "./cnn/init.ts";
import {
  DEFAULT_LOSS_WEIGHTS,
  gramGradScale,
  type LossTerms,
  type LossWeights,
} from "./cnn/losses.ts";
import { learningRateSchedule, trainColorCnn } from "./cnn/train.ts";
import { cnnParamCount, type CnnWeights } from "./cnn/weights.ts";
import { checkDenoise, denoiseActive, type DenoiseOptions, denoiseRgb } from "./isp/denoise.ts";
import { preIsp, type PreIspOptions } from "./isp/preisp.ts";
import { exportColorCnnOnnx } from "./onnx/export.ts";
import type { BatchSampler } from "./train_data.ts";

/** Learned parameters of the paper's CNN (C = 128). */
export const COLOR_CNN_PARAMS = cnnParamCount(128);

/** A loss-weight option whose default is the paper's weight of that term. */
function lossWeight(
  term: Exclude<keyof LossWeights, "gramGradScale">,
  description: string,
): OptionSpec {
  return { type: "number", default: DEFAULT_LOSS_WEIGHTS[term], description };
}

/**
 * The denoise step's default (the paper denoises before the CNN with FFDNet at σ 0.01; this is
 * the weight-free substitute, its σ chosen on the fixtures' val phase: docs/reference-method.md).
 */
export const DENOISE_DEFAULTS: DenoiseOptions = { chromaSigma: 3, lumaSigma: 0 };

/** Options every colour-CNN method takes; defaults are the paper's. */
export const CNN_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  steps: {
    type: "number",
    default: 0,
    description: "training steps; 0 = epochs × ⌈source patches / batch⌉",
  },
  epochs: { type: "number", default: 10, description: "epochs when steps = 0 (paper 10)" },
  batchSize: { type: "number", default: 24, description: "crops per batch (paper 24)" },
  crop: { type: "number", default: 512, description: "square crop side (paper 512)" },
  lr: { type: "number", default: 1e-4, description: "AdamW (peak) learning rate (paper 1e-4)" },
  lrSchedule: {
    type: "string",
    default: "constant",
    description: "learning-rate schedule: constant (paper) or cosine decay to 0",
    choices: ["constant", "cosine"],
  },
  residualLr: {
    type: "number",
    default: 1,
    description:
      "learning-rate multiplier of the residual branch (1: one rate for all, as the paper)",
  },
  warmupSteps: {
    type: "number",
    default: 0,
    description: "linear warm-up steps before the cosine decay",
  },
  weightDecay: { type: "number", default: 1e-4, description: "AdamW weight decay (paper 1e-4)" },
  hidden: {
    type: "number",
    default: 128,
    description: "hidden channels C (paper 128: 7,055 params)",
  },
  lossMoment: lossWeight("moment", "channel-moment loss weight"),
  lossHistY: lossWeight("histY", "soft luma histogram loss weight"),
  lossHistUV: lossWeight("histUV", "soft chroma histogram loss weight"),
  lossGram: lossWeight("gram", "Gram style loss weight"),
  lossTv: lossWeight("tv", "total-variation loss weight"),
  lossGramNorm: {
    type: "string",
    default: "plain",
    description: "Gram loss: plain MSE over the matrix, or each block (colour, colour×gradient, " +
      "gradient) normalised by the target block's energy so texture and noise count",
    choices: ["plain", "blocks"],
  },
  lossPixelL1: lossWeight(
    "pixelL1",
    "pixel L1 against the target (only meaningful for true pairs)",
  ),
  demosaic: {
    type: "string",
    default: "bilinear",
    description: "pre-ISP demosaicking (paper's fallback: bilinear)",
    choices: ["bilinear", "edge-aware"],
  },
  denoiseChroma: {
    type: "number",
    default: DENOISE_DEFAULTS.chromaSigma,
    description: "denoise step before the CNN: Gaussian σ on chroma (0 = off; stands in for the " +
      "paper's FFDNet)",
  },
  denoiseLuma: {
    type: "number",
    default: DENOISE_DEFAULTS.lumaSigma,
    description: "denoise step before the CNN: Gaussian σ on luma (0 = off)",
  },
  stepZero: {
    type: "boolean",
    default: false,
    description: "return the starting network untrained (the step-0 row beside the trained one)",
  },
  kernels: {
    type: "string",
    default: "wasm",
    description: "CPU convolution kernels",
    choices: ["wasm", "js"],
  },
  workers: { type: "number", default: 2, description: "training worker threads (0: main thread)" },
  headInit: {
    type: "string",
    default: "identity",
    description: "start: identity head (paper) or moments (head = Monge–Kantorovich map between " +
      "the colour statistics of the method's own source and target crops, residual branch zeroed)",
    choices: ["identity", "moments"],
  },
  headInitBatches: {
    type: "number",
    default: 16,
    description: "batches drawn to measure those colour statistics (headInit = moments)",
  },
};

/**
 * Options for quick CPU benches shared by the three colour-CNN methods: short crops and schedule,
 * the colour head started from the moment map of the method's own pairs (see
 * {@link initialWeights}; a few hundred steps cannot learn it from identity), then trained alone
 * (residual branch frozen) with a cosine schedule. Chosen on the fixtures' val phase by the
 * trained model's score (docs/reference-method.md): 24.89 dB, against 22.83 at the previous
 * profile's constant lr 1e-4 with the whole network training and 24.33 at lr 1e-3 cosine.
 */
export const CNN_FAST_PROFILE: Readonly<Record<string, number | string | boolean>> = {
  crop: 64,
  batchSize: 8,
  steps: 300,
  lr: 3e-3,
  lrSchedule: "cosine",
  residualLr: 0,
  headInit: "moments",
};

/**
 * The paper's profile (`--profile paper`): identity head, the paper's crop, batch, 10 epochs and
 * constant lr 1e-4, with the denoise step on. Measured on the small fixtures (val and test, time)
 * in docs/reference-method.md; higher peak rates from identity were tried on val with the fast
 * crops and did not reach classical's ΔE2000.
 */
export const CNN_PAPER_PROFILE: Readonly<Record<string, number | string | boolean>> = {
  crop: 512,
  batchSize: 24,
  steps: 0,
  epochs: 10,
  lr: 1e-4,
  headInit: "identity",
};

/** Typed values of {@link CNN_OPTIONS}. */
export interface CnnMethodOptions {
  readonly steps: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly crop: number;
  readonly lr: number;
  readonly lrSchedule: "constant" | "cosine";
  readonly warmupSteps: number;
  readonly residualLr: number;
  readonly weightDecay: number;
  readonly hidden: number;
  readonly losses: LossWeights;
  readonly gramNorm: "plain" | "blocks";
  readonly preIsp: PreIspOptions;
  readonly denoise: DenoiseOptions;
  readonly stepZero: boolean;
  readonly kernels: "wasm" | "js";
  readonly workers: number;
  readonly headInit: "identity" | "moments";
  readonly headInitBatches: number;
}

/** Reads an option, falling back to the spec's default; checks its type. */
export function optionValue<T extends number | string | boolean>(
  options: MethodContext["options"],
  specs: Readonly<Record<string, OptionSpec>>,
  key: string,
): T {
  const v = options[key] ?? specs[key].default;
  const actual = typeof v;
  if (actual !== specs[key].type) {
    throw new OptionError(key, `expected a ${specs[key].type}, got ${actual}`);
  }
  const choices = specs[key].choices;
  if (choices && !choices.includes(v as string)) {
    throw new OptionError(key, `'${v}' is not one of ${choices.join(", ")}`);
  }
  return v as T;
}

/** Resolves and checks the shared CNN options. */
export function readCnnOptions(options: MethodContext["options"]): CnnMethodOptions {
  const num = (k: string) => optionValue<number>(options, CNN_OPTIONS, k);
  const int = (k: string, min: number) => {
    const v = num(k);
    if (!(Number.isInteger(v) && v >= min)) throw new OptionError(k, `must be an integer ≥ ${min}`);
    return v;
  };
  const o: CnnMethodOptions = {
    steps: int("steps", 0),
    epochs: int("epochs", 1),
    batchSize: int("batchSize", 1),
    crop: int("crop", 2),
    lr: num("lr"),
    lrSchedule: optionValue<string>(options, CNN_OPTIONS, "lrSchedule") as "constant" | "cosine",
    warmupSteps: int("warmupSteps", 0),
    residualLr: num("residualLr"),
    weightDecay: num("weightDecay"),
    hidden: int("hidden", 1),
    losses: {
      moment: num("lossMoment"),
      histY: num("lossHistY"),
      histUV: num("lossHistUV"),
      gram: num("lossGram"),
      tv: num("lossTv"),
      pixelL1: num("lossPixelL1"),
    },
    gramNorm: optionValue<string>(options, CNN_OPTIONS, "lossGramNorm") as "plain" | "blocks",
    preIsp: {
      demosaic: optionValue<string>(options, CNN_OPTIONS, "demosaic") as PreIspOptions["demosaic"],
    },
    denoise: { chromaSigma: num("denoiseChroma"), lumaSigma: num("denoiseLuma") },
    stepZero: optionValue<boolean>(options, CNN_OPTIONS, "stepZero"),
    kernels: optionValue<string>(options, CNN_OPTIONS, "kernels") as "wasm" | "js",
    workers: int("workers", 0),
    headInit: optionValue<string>(options, CNN_OPTIONS, "headInit") as "identity" | "moments",
    headInitBatches: int("headInitBatches", 1),
  };
  if (!(o.lr > 0)) throw new OptionError("lr", "must be > 0");
  checkDenoise(o.denoise);
  return o;
}

/** The CNN's input: pre-ISP, then the denoise step when it is on (reference method §1). */
export function cnnInput(
  raw: RawImage,
  opts: PreIspOptions,
  denoise?: DenoiseOptions,
  file?: string,
): RgbImage {
  const x = preIsp(raw, { ...opts, file });
  return denoiseActive(denoise) ? denoiseRgb(x, denoise) : x;
}

/** Pre-ISPs (and denoises, when asked) every training RAW patch (2H×2W RGB, floats). */
export async function preIspAll(
  raws: readonly Sample<RawImage>[],
  opts: PreIspOptions,
  ctx: Pick<MethodContext, "progress" | "signal">,
  denoise?: DenoiseOptions,
): Promise<{ raws: RawImage[]; images: RgbImage[] }> {
  const loaded: RawImage[] = [], images: RgbImage[] = [];
  for (let i = 0; i < raws.length; i++) {
    ctx.signal?.throwIfAborted();
    const r = await raws[i].load();
    loaded.push(r);
    images.push(cnnInput(r, opts, denoise, raws[i].name));
    ctx.progress("pre-ISP", i + 1, raws.length);
  }
  return { raws: loaded, images };
}

/** Loads every sample. */
export async function loadAll<T>(samples: readonly Sample<T>[]): Promise<T[]> {
  const out: T[] = [];
  for (const s of samples) out.push(await s.load());
  return out;
}

/**
 * The start of training: the paper's initialisation, with the colour head optionally set to the
 * moment map between source and target crops drawn from the method's own sampler (so each method
 * keeps its own notion of targets: pseudo-pairs, random or true ones).
 */
export function initialWeights(
  sampler: BatchSampler,
  o: CnnMethodOptions,
  ctx: MethodContext,
): CnnWeights {
  const w = initColorCnn(ctx.seed, o.hidden);
  if (o.headInit === "identity") return w;
  const batches = Array.from({ length: o.headInitBatches }, () => sampler.next());
  const len = batches.reduce((a, b) => a + b.source.length, 0);
  const source = new Float32Array(len), target = new Float32Array(len);
  let at = 0;
  for (const b of batches) {
    source.set(b.source, at);
    target.set(b.target, at);
    at += b.source.length;
  }
  return withColourHead(w, colourMomentMap(source, target));
}

/** Observers of a training run (learning curves; not used by the bench). */
export interface TrainHooks {
  /** Called with the loss terms after each step (1-based step count). */
  readonly onLoss?: (step: number, terms: LossTerms) => void;
  /** Called with the weights at step 0 and every `checkpointEvery` steps (and the last). */
  readonly onCheckpoint?: (step: number, weights: CnnWeights) => void;
  /** Checkpoint period in steps (0: only step 0). */
  readonly checkpointEvery?: number;
}

/**
 * The training loop: `steps` AdamW steps on the sampler's batches (steps = epochs × ⌈n/batch⌉
 * when not given), on the device the context asks for. Returns the trained weights.
 */
export async function trainOnSampler(
  sampler: BatchSampler,
  o: CnnMethodOptions,
  ctx: MethodContext,
  label: string,
  hooks: TrainHooks = {},
): Promise<CnnWeights> {
  const steps = o.steps > 0 ? o.steps : o.epochs * Math.ceil(sampler.epochSize / o.batchSize);
  const init = initialWeights(sampler, o, ctx);
  if (o.stepZero) {
    ctx.log(`${label}: step 0 (the start, untrained; head ${o.headInit})`);
    return init;
  }
  hooks.onCheckpoint?.(0, init);
  let losses = o.losses;
  if (o.gramNorm === "blocks") {
    // the scale that gives the Gram bank's gradient channels the colour channels' energy on the
    // method's own targets (measured once, then fixed: a per-pair scale would chase noise)
    const b = sampler.next();
    const gs = gramGradScale(b.target, b.n, b.h, b.w);
    losses = { ...losses, gramGradScale: gs };
    ctx.log(`${label}: Gram gradient channels scaled by ${gs.toFixed(2)}`);
  }
  ctx.log(
    `${label}: ${steps} steps, batch ${o.batchSize}, crop ${sampler.crop}, head ${o.headInit}, ` +
      `lr ${o.lr} ${o.lrSchedule}`,
  );
  const every = Math.max(1, Math.floor(steps / 10));
  return await trainColorCnn({
    init,
    seed: ctx.seed,
    steps,
    batchSize: o.batchSize,
    crop: sampler.crop,
    lr: o.lr,
    residualLr: o.residualLr,
    lrAt: learningRateSchedule({ kind: o.lrSchedule, lr: o.lr, steps, warmup: o.warmupSteps }),
    weightDecay: o.weightDecay,
    losses,
    sampler: () => Promise.resolve(sampler.next()),
    device: ctx.device,
    workers: o.workers,
    kernels: o.kernels,
    signal: ctx.signal,
    progress: (done, total) => ctx.progress("train", done, total),
    onStep: (s, terms, weights) => {
      if (!Number.isFinite(terms.total)) throw new Error(`${label}: loss diverged at step ${s}`);
      hooks.onLoss?.(s + 1, terms);
      const ck = hooks.checkpointEvery ?? 0;
      if (hooks.onCheckpoint && ck > 0 && ((s + 1) % ck === 0 || s === steps - 1)) {
        hooks.onCheckpoint(s + 1, weights());
      }
      if (s % every === 0 || s === steps - 1) {
        ctx.log(`${label} step ${s + 1}/${steps}: loss ${terms.total.toFixed(5)}`);
      }
    },
  });
}

/**
 * The trained model: pre-ISP of the whole image → CNN → clamp; ONNX export of both. The CNN runs
 * on WebGPU when `device` asks for it (`gpu`: any adapter; `auto`: a hardware adapter, else the
 * CPU), on one device opened at the first render and released by `dispose`.
 */
export function colorCnnModel(w: CnnWeights, o: CnnMethodOptions, device: Device = "cpu"): Model {
  let gpu: Promise<GPUDevice | null> | undefined;
  const gpuModule = () => import("./cnn/gpu.ts");
  const openGpu = () =>
    gpu ??= device === "cpu"
      ? Promise.resolve(null)
      : gpuModule().then((m) => m.requestGpuDevice(device === "gpu"));
  return {
    params: cnnParamCount(w.hidden),
    async render(raw: RawImage, name?: string) {
      const x = cnnInput(raw, o.preIsp, o.denoise, name);
      const dev = await openGpu();
      if (!dev) {
        if (device === "gpu") throw new OptionError("device", "no WebGPU adapter is available");
        return forwardColorCnn(w, x, {
          name,
          ...(o.kernels === "js" ? { kernels: createJsKernels() } : {}),
        });
      }
      return await (await gpuModule()).forwardColorCnnGpu(w, x, { device: dev, name });
    },
    exportOnnx: (path: string) =>
      exportColorCnnOnnx(w, path, { preIsp: o.preIsp, denoise: o.denoise }),
    async dispose() {
      (await gpu)?.destroy();
    },
  };
}
