/**
 * The method interface: a method is one module in `methods/` exporting a {@link Method}. The
 * harness trains it on an unpaired split and renders RAW inputs with the returned {@link Model}.
 * @module
 */
import type { RawImage, RgbImage, Sample } from "./types.ts";

/** One tunable option of a method, with the paper's (or a sensible) value as default. */
export interface OptionSpec {
  /** Value type. */
  readonly type: "number" | "string" | "boolean";
  /** Default value. */
  readonly default: number | string | boolean;
  /** What it does, one line. */
  readonly description: string;
  /** Allowed values for string options. */
  readonly choices?: readonly string[];
}

/** Compute device a method may use. `auto` picks a GPU when one is present. */
export type Device = "auto" | "cpu" | "gpu";

/** The unpaired training data handed to a method. */
export interface TrainSplit {
  /** Phone RAW patches (packed Bayer), named `<scene>_<index>`. */
  readonly raws: readonly Sample<RawImage>[];
  /** Target-camera sRGB patches, not pixel-aligned with `raws`. */
  readonly rgbs: readonly Sample<RgbImage>[];
  /**
   * Only for methods with `usesTruth` (upper bounds): the true target rendering of each RAW patch,
   * keyed by RAW name. Never given to other methods.
   */
  readonly truth?: ReadonlyMap<string, Sample<RgbImage>>;
}

/** What the harness passes to a method: no global state. */
export interface MethodContext {
  /** Seed for every random choice of the method. */
  readonly seed: number;
  /** Requested device. */
  readonly device: Device;
  /** Option values (defaults already filled in). */
  readonly options: Readonly<Record<string, number | string | boolean>>;
  /** A scratch directory owned by this run. */
  readonly workDir: string;
  /** Progress of a long step (e.g. training iterations). */
  progress(label: string, done: number, total: number): void;
  /** A line of log text. */
  log(message: string): void;
  /** Aborts long work. */
  readonly signal?: AbortSignal;
}

/** One image of {@link Model.renderBatch}. */
export interface RenderedImage {
  /** File stem of the input. */
  readonly name: string;
  /** The input it was rendered from (its size is checked against the output). */
  readonly raw: RawImage;
  /** The rendering, 2H×2W×3 in [0, 1]. */
  readonly rgb: RgbImage;
}

/** Options of {@link Model.renderBatch}. */
export interface BatchRenderOptions {
  /** What is rendered (the phase, e.g. `val`): names the batch's working folder and messages. */
  readonly label: string;
  /** Stops the batch. */
  readonly signal?: AbortSignal;
}

/** A trained model: renders one RAW image to sRGB. */
export interface Model {
  /** Number of learned parameters actually used. */
  readonly params: number;
  /**
   * RAW (packed Bayer, H×W×4) → sRGB (2H×2W×3) in [0, 1]. `name` (the file stem) is only used
   * in error messages.
   */
  render(raw: RawImage, name?: string): Promise<RgbImage>;
  /**
   * Renders many inputs in one go, yielding each image as it is ready. For models that run a
   * whole folder per call (external programs); when present the protocol uses it instead of
   * `render`.
   */
  renderBatch?(
    inputs: readonly Sample<RawImage>[],
    opts: BatchRenderOptions,
  ): AsyncIterable<RenderedImage>;
  /** Writes the model as ONNX (input `raw` N×4×H×W, output `rgb` N×3×2H×2W), if supported. */
  exportOnnx?(path: string): Promise<void>;
  /** Frees workers, sessions, GPU buffers. */
  dispose?(): Promise<void> | void;
}

/** A pluggable ISP method. */
export interface Method {
  /** Registry name, kebab-case, e.g. `semantic-pairing`. */
  readonly name: string;
  /** One paragraph for the leaderboard. */
  readonly description: string;
  /** Learned parameter count (0 for classical methods). */
  readonly params: number;
  /** Named options with defaults. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** True for upper bounds that see the true pairs: flagged as such on every leaderboard. */
  readonly usesTruth?: boolean;
  /** Trains on the unpaired split (classical methods may only measure statistics, or nothing). */
  train(split: TrainSplit, ctx: MethodContext): Promise<Model>;
}
