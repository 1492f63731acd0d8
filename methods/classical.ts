/**
 * The `classical` method: no learning. On RAW with camera metadata (camera RAW files, imported
 * datasets) it runs the camera-aware pipeline calibrated against dcraw (as-shot white balance,
 * colour matrix, auto exposure, sRGB curve); on bare packed RAW it runs bilinear demosaic,
 * grey-world white balance and gamma 2.2, as the classical path of the NTIRE baseline. Every step
 * is an option.
 * @module
 */
import type { Method, MethodContext, Model, TrainSplit } from "../harness/method.ts";
import type { RawImage, RgbImage } from "../harness/types.ts";
import { exportPreIspOnnx } from "./lib/onnx/export.ts";
import { preIsp, type PreIspOptions, resolvePreIspOptions } from "./lib/isp/preisp.ts";
import {
  type CameraExposure,
  cameraPipeline,
  type CameraPipelineOptions,
  resolveCameraOptions,
} from "./lib/isp/camera.ts";
import { OptionError } from "../harness/errors.ts";

/** Reads the pre-ISP options out of a method context's option values. */
function preIspOptions(options: MethodContext["options"]): PreIspOptions {
  return resolvePreIspOptions({
    demosaic: String(options.demosaic ?? "bilinear") as PreIspOptions["demosaic"],
    whiteBalance: String(options.whiteBalance ?? "grey-world") as "none" | "grey-world",
    gamma: Number(options.gamma ?? 2.2),
    tone: String(options.tone ?? "none") as PreIspOptions["tone"],
  });
}

/** Reads the camera-pipeline options out of a method context's option values. */
function cameraOptions(options: MethodContext["options"]): CameraPipelineOptions {
  const ev = String(options.exposure ?? "auto");
  const exposure: CameraExposure = ev === "auto" || ev === "none" ? ev : Number(ev);
  if (typeof exposure === "number" && !Number.isFinite(exposure)) {
    throw new OptionError("exposure", `must be auto, none or a number of EV, got '${ev}'`);
  }
  return resolveCameraOptions({
    demosaic: String(options.demosaic ?? "bilinear") as CameraPipelineOptions["demosaic"],
    wb: String(options.wb ?? "camera") as CameraPipelineOptions["wb"],
    exposure,
    curve: String(options.curve ?? "srgb") as CameraPipelineOptions["curve"],
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
  description: "No learning. With camera metadata: as-shot white balance, bilinear demosaic, " +
    "camera colour matrix, dcraw-style auto exposure and the sRGB curve (calibrated against " +
    "dcraw). Without: bilinear demosaic, grey-world white balance and gamma 2.2 on the " +
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
    pipeline: {
      type: "string",
      default: "auto",
      description: "auto: camera-aware when the RAW carries camera metadata; camera; basic",
      choices: ["auto", "camera", "basic"],
    },
    wb: {
      type: "string",
      default: "camera",
      description: "camera pipeline white balance: camera (as shot; auto when absent), auto, none",
      choices: ["camera", "auto", "none"],
    },
    exposure: {
      type: "string",
      default: "auto",
      description: "camera pipeline exposure: auto (1% clip white point), none, or EV",
    },
    curve: {
      type: "string",
      default: "srgb",
      description: "camera pipeline curve: srgb, bt709 (dcraw's) or linear",
      choices: ["srgb", "bt709", "linear"],
    },
  },
  train(_split: TrainSplit, ctx: MethodContext): Promise<Model> {
    // Inside the executor, a bad option rejects the promise instead of throwing synchronously.
    return new Promise((resolve) => {
      const opts = preIspOptions(ctx.options);
      const camOpts = cameraOptions(ctx.options);
      const pipeline = String(ctx.options.pipeline ?? "auto");
      ctx.log(`classical: ${pipeline} ${JSON.stringify(opts)} camera ${JSON.stringify(camOpts)}`);
      resolve({
        params: 0,
        render: (raw: RawImage, name?: string): Promise<RgbImage> =>
          new Promise((done) => {
            const useCamera = pipeline === "camera" || (pipeline === "auto" && raw.camera);
            done(
              useCamera
                ? cameraPipeline(raw, raw.camera ?? {}, { ...camOpts, file: name })
                : preIsp(raw, opts),
            );
          }),
        exportOnnx: (path: string) => exportPreIspOnnx(path, { preIsp: opts }),
      });
    });
  },
};

export default classicalMethod;
