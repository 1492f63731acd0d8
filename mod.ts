/**
 * isp-bench public API: types, I/O, metrics, optimal transport and the harness.
 * This file only re-exports.
 * @module
 */
export type { Matrix, RawImage, RgbImage, Sample } from "./harness/types.ts";
export { InputError, OptionError } from "./harness/errors.ts";
export {
  decodeNpy,
  encodeNpy,
  type NdArray,
  type NpyDtype,
  readNpy,
  writeNpy,
} from "./harness/io/npy.ts";
export { decodeImage, encodePng, readImage, writePng } from "./harness/io/image.ts";
export {
  type BayerOrder,
  decodeRaw,
  encodeRaw,
  type RawOptions,
  readRaw,
} from "./harness/io/raw.ts";
export { type Dataset, openDataset, type PairedSplit } from "./harness/io/dataset.ts";
export type {
  Device,
  Method,
  MethodContext,
  Model,
  OptionSpec,
  TrainSplit,
} from "./harness/method.ts";
