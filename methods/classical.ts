/**
 * The `classical` method: no learning. Bilinear demosaic, grey-world white balance and gamma 2.2,
 * as the classical path of the NTIRE baseline; every step is an option.
 * @module
 */
import type { Method, MethodContext, Model, TrainSplit } from "../harness/method.ts";
import type { RawImage, RgbImage } from "../harness/types.ts";
import { exportPreIspOnnx } from "./lib/onnx/export.ts";
import { preIsp, type PreIspOptions, resolvePreIspOptions } from "./lib/isp/preisp.ts";

/** Reads the pre-ISP options out of a method context's option values. */
function preIspOptions(options: MethodContext["options"]): PreIspOptions {
  return resolvePreIspOptions({
    demosaic: String(options.demosaic ?? "bilinear") as PreIspOptions["demosaic"],
    whiteBalance: String(options.whiteBalance ?? "grey-world") as "none" | "grey-world",
    gamma: Number(options.gamma ?? 2.2),
    tone: String(options.tone ?? "none") as PreIspOptions["tone"],
  });
}

/**
 * The classical pipeline as a {@link Method}: 0 parameters; `train` ignores the data.
 * @example
 * ```ts
 * const model = await classicalMethod.train(split, ctx);
 * const rgb = await model.render(raw);
 * ```
 */
export const classicalMethod: Method = {
  name: "classical",
  description: "No learning: bilinear demosaic, grey-world white balance and gamma 2.2 on the " +
    "normalised RAW (the classical path of the NTIRE baseline). A floor for learned methods.",
  params: 0,
  options: {
    demosaic: {
      type: "string",
      default: "bilinear",
      description: "demosaicking: bilinear or edge-aware (Malvar–He–Cutler 2004)",
      choices: ["bilinear", "edge-aware"],
    },
    whiteBalance: {
      type: "string",
      default: "grey-world",
      description: "white balance on linear RGB",
      choices: ["grey-world", "none"],
    },
    gamma: { type: "number", default: 2.2, description: "display gamma, output x^(1/gamma)" },
    tone: {
      type: "string",
      default: "none",
      description: "tone curve after gamma",
      choices: ["none", "smoothstep"],
    },
  },
  train(_split: TrainSplit, ctx: MethodContext): Promise<Model> {
    // Inside the executor, a bad option rejects the promise instead of throwing synchronously.
    return new Promise((resolve) => {
      const opts = preIspOptions(ctx.options);
      ctx.log(`classical: ${JSON.stringify(opts)}`);
      resolve({
        params: 0,
        render: (raw: RawImage): Promise<RgbImage> => Promise.resolve(preIsp(raw, opts)),
        exportOnnx: (path: string) => exportPreIspOnnx(path, { preIsp: opts }),
      });
    });
  },
};

export default classicalMethod;
