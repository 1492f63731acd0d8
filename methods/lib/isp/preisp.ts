/**
 * The classical pre-ISP: packed RAW (already black/white-level normalised) → processed RGB
 * (2H×2W×3, [0, 1]): re-mosaic, demosaic, optional white balance, clip, gamma, optional tone curve.
 * Floats throughout (no 8-bit truncation between steps).
 * @module
 */
import { OptionError } from "../../../harness/errors.ts";
import type { RawImage, RgbImage } from "../../../harness/types.ts";
import { applyDemosaicKernels, demosaicKernels, type DemosaicMethod } from "./demosaic.ts";
import { remosaic } from "./mosaic.ts";
import { applyGains, greyWorldGains } from "./whitebalance.ts";

/** White balance: none, grey-world, or fixed gains for R, G, B. */
export type WhiteBalance = "none" | "grey-world" | readonly [number, number, number];

/** Tone curve after gamma: none, or smoothstep `3x² − 2x³`. */
export type ToneCurve = "none" | "smoothstep";

/** Options of {@link preIsp}. */
export interface PreIspOptions {
  /** Demosaicking method (default `bilinear`, the paper's fallback). */
  demosaic?: DemosaicMethod;
  /** White balance on linear RGB (default `none`, as the paper). */
  whiteBalance?: WhiteBalance;
  /** Display gamma: output `x^(1/gamma)` (default 2.2); 1 keeps linear values. */
  gamma?: number;
  /** Tone curve (default `none`). */
  tone?: ToneCurve;
  /** File name used in error messages. */
  file?: string;
}

/** Fully resolved pre-ISP options. */
export interface ResolvedPreIspOptions {
  /** Demosaicking method. */
  readonly demosaic: DemosaicMethod;
  /** White balance. */
  readonly whiteBalance: WhiteBalance;
  /** Display gamma. */
  readonly gamma: number;
  /** Tone curve. */
  readonly tone: ToneCurve;
}

/**
 * Fills defaults and validates pre-ISP options.
 * @throws {OptionError} on an unknown method, non-positive gamma or bad gains
 */
export function resolvePreIspOptions(opts: PreIspOptions = {}): ResolvedPreIspOptions {
  const demosaic = opts.demosaic ?? "bilinear";
  const whiteBalance = opts.whiteBalance ?? "none";
  const gamma = opts.gamma ?? 2.2;
  const tone = opts.tone ?? "none";
  if (demosaic !== "bilinear" && demosaic !== "edge-aware") {
    throw new OptionError("demosaic", `unknown method '${demosaic}' (bilinear | edge-aware)`);
  }
  if (typeof whiteBalance === "string") {
    if (whiteBalance !== "none" && whiteBalance !== "grey-world") {
      throw new OptionError("whiteBalance", `unknown mode '${whiteBalance}'`);
    }
  } else if (
    whiteBalance.length !== 3 || !whiteBalance.every((g) => Number.isFinite(g) && g > 0)
  ) {
    throw new OptionError("whiteBalance", "gains must be three positive finite numbers");
  }
  if (!(Number.isFinite(gamma) && gamma > 0)) {
    throw new OptionError("gamma", `must be a positive number, got ${gamma}`);
  }
  if (tone !== "none" && tone !== "smoothstep") {
    throw new OptionError("tone", `unknown curve '${tone}' (none | smoothstep)`);
  }
  return { demosaic, whiteBalance, gamma, tone };
}

/**
 * Clips to [0, 1], then applies gamma and the tone curve, in place. Clipping first keeps `pow`
 * defined on the small negative overshoots of edge-aware demosaicking; the ONNX export does the
 * same (Clip then Pow).
 */
export function encodeTone(img: RgbImage, gamma: number, tone: ToneCurve): RgbImage {
  const d = img.data;
  const inv = 1 / gamma;
  const smooth = tone === "smoothstep";
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    let y = v <= 0 ? 0 : v >= 1 ? 1 : Math.pow(v, inv);
    if (smooth) y = y * y * (3 - 2 * y);
    d[i] = y;
  }
  return img;
}

/**
 * RAW → processed RGB with the classical pipeline.
 * @example
 * ```ts
 * const rgb = preIsp(raw); // bilinear, no WB, gamma 2.2: the paper's pre-processing
 * const nice = preIsp(raw, { demosaic: "edge-aware", whiteBalance: "grey-world" });
 * ```
 */
export function preIsp(raw: RawImage, opts: PreIspOptions = {}): RgbImage {
  const o = resolvePreIspOptions(opts);
  const rgb = applyDemosaicKernels(remosaic(raw), demosaicKernels(o.demosaic), opts.file);
  if (o.whiteBalance === "grey-world") applyGains(rgb, greyWorldGains(rgb));
  else if (o.whiteBalance !== "none") applyGains(rgb, o.whiteBalance);
  return encodeTone(rgb, o.gamma, o.tone);
}
