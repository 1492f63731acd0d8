/**
 * onnxruntime-node helpers: open a local `.onnx` file on the CPU or WebGPU execution provider,
 * check its signature, and run packed RAW through it (whole image or tiled). Every failure caused
 * by the model file is an {@link InputError} naming that file.
 * @module
 */
import * as ort from "onnxruntime-node";
import { InputError, OptionError } from "../../../harness/errors.ts";
import type { Device } from "../../../harness/method.ts";
import type { RawImage, RgbImage } from "../../../harness/types.ts";
import { hasHardwareGpu } from "../gpu_env.ts";

/** Execution providers this harness uses. */
export type ExecutionProvider = "cpu" | "webgpu";

/** Options of {@link openSession}. */
export interface OpenSessionOptions {
  /** `cpu` (default), `gpu` (WebGPU, an error when unavailable), `auto` (WebGPU, else CPU). */
  device?: Device;
  /** Intra-op threads (default: onnxruntime's choice). */
  threads?: number;
  /** Receives a line when `auto` falls back to the CPU. */
  log?: (message: string) => void;
}

/** An open onnxruntime session and the file it came from. */
export interface OrtModel {
  /** The `.onnx` file. */
  readonly file: string;
  /** The session. */
  readonly session: ort.InferenceSession;
  /** The execution provider actually used. */
  readonly provider: ExecutionProvider;
  /** Size of the file in bytes. */
  readonly bytes: number;
}

async function create(
  bytes: Uint8Array,
  provider: ExecutionProvider,
  threads?: number,
): Promise<ort.InferenceSession> {
  return await ort.InferenceSession.create(bytes, {
    executionProviders: [provider],
    logSeverityLevel: 3,
    ...(threads ? { intraOpNumThreads: threads } : {}),
  });
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 400);
}

/**
 * Opens a local ONNX model.
 * @throws {InputError} when the file is missing, empty or not a loadable model
 * @throws {OptionError} when `device: "gpu"` and WebGPU cannot run it
 * @example
 * ```ts
 * const m = await openSession("model.onnx", { device: "cpu" });
 * console.log(m.session.inputNames);
 * ```
 */
export async function openSession(path: string, opts: OpenSessionOptions = {}): Promise<OrtModel> {
  const device = opts.device ?? "cpu";
  if (device !== "cpu" && device !== "gpu" && device !== "auto") {
    throw new OptionError("--device", `unknown device '${device}' (auto | cpu | gpu)`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read ONNX model: ${message(e)}`, { cause: e });
  }
  if (bytes.length === 0) throw new InputError(path, "ONNX model file is empty");
  let gpuError: unknown;
  // Dawn (the WebGPU provider) refuses Mesa's CPU driver with a native warning on stderr; ask
  // Deno's WebGPU first and only start Dawn when there is a hardware adapter.
  if (device !== "cpu" && !(await hasHardwareGpu())) {
    gpuError = new Error("no hardware WebGPU adapter (a software fallback does not run ONNX)");
  } else if (device !== "cpu") {
    try {
      return {
        file: path,
        session: await create(bytes, "webgpu", opts.threads),
        provider: "webgpu",
        bytes: bytes.length,
      };
    } catch (e) {
      gpuError = e;
    }
  }
  let session: ort.InferenceSession;
  try {
    session = await create(bytes, "cpu", opts.threads);
  } catch (e) {
    throw new InputError(path, `not a loadable ONNX model: ${message(e)}`, { cause: e });
  }
  if (device === "gpu") {
    await session.release();
    throw new OptionError(
      "--device",
      `gpu requested but the WebGPU execution provider failed: ${message(gpuError)}`,
    );
  }
  if (device === "auto") {
    opts.log?.(`${path}: WebGPU unavailable (${message(gpuError)}); using the CPU`);
  }
  return { file: path, session, provider: "cpu", bytes: bytes.length };
}

/** Expected properties of one model input or output. */
export interface TensorSpec {
  /** Required name; when absent, the model must have exactly one such tensor. */
  readonly name?: string;
  /** Required rank. */
  readonly rank: number;
  /** Required fixed sizes per axis (`null` = any); symbolic axes in the model always pass. */
  readonly dims?: readonly (number | null)[];
}

function pick(
  file: string,
  kind: "input" | "output",
  metas: readonly ort.InferenceSession.ValueMetadata[],
  spec: TensorSpec,
): string {
  const names = metas.map((m) => m.name);
  let meta: ort.InferenceSession.ValueMetadata | undefined;
  if (spec.name !== undefined) {
    meta = metas.find((m) => m.name === spec.name);
    if (!meta) {
      throw new InputError(
        file,
        `no ${kind} named '${spec.name}' (model ${kind}s: ${names.join(", ") || "none"})`,
      );
    }
  } else if (metas.length === 1) {
    meta = metas[0];
  } else {
    throw new InputError(
      file,
      `expected one ${kind}, found ${metas.length} (${names.join(", ")}); name the one to use`,
    );
  }
  if (!meta.isTensor) throw new InputError(file, `${kind} '${meta.name}' is not a tensor`);
  if (meta.type !== "float32") {
    throw new InputError(file, `${kind} '${meta.name}' has type ${meta.type}, expected float32`);
  }
  const shape = meta.shape;
  if (shape.length > 0) {
    if (shape.length !== spec.rank) {
      throw new InputError(
        file,
        `${kind} '${meta.name}' has rank ${shape.length} [${
          shape.join(", ")
        }], expected ${spec.rank}`,
      );
    }
    spec.dims?.forEach((want, i) => {
      const got = shape[i];
      if (want !== null && typeof got === "number" && got >= 0 && got !== want) {
        throw new InputError(
          file,
          `${kind} '${meta.name}' axis ${i} is ${got}, expected ${want} (shape [${
            shape.join(", ")
          }])`,
        );
      }
    });
  }
  return meta.name;
}

/**
 * Checks a model's input and output against specs and returns the names to use.
 * @throws {InputError} naming the file on a missing, ambiguous or mis-shaped tensor
 */
export function checkSignature(
  m: OrtModel,
  input: TensorSpec,
  output: TensorSpec,
): { input: string; output: string } {
  return {
    input: pick(m.file, "input", m.session.inputMetadata, input),
    output: pick(m.file, "output", m.session.outputMetadata, output),
  };
}

/**
 * Runs one float32 tensor through the model and returns the named output.
 * @throws {InputError} naming the file when inference fails
 */
export async function runTensor(
  m: OrtModel,
  input: string,
  output: string,
  data: Float32Array,
  dims: readonly number[],
): Promise<ort.Tensor> {
  let result: ort.InferenceSession.OnnxValueMapType;
  try {
    result = await m.session.run({ [input]: new ort.Tensor("float32", data, dims) }, [output]);
  } catch (e) {
    throw new InputError(m.file, `inference failed on input [${dims.join(", ")}]: ${message(e)}`, {
      cause: e,
    });
  }
  const t = result[output] as ort.Tensor;
  if (t.type !== "float32") {
    throw new InputError(m.file, `output '${output}' has type ${t.type}, expected float32`);
  }
  return t;
}

/** Options of {@link runRaw}. */
export interface RunRawOptions {
  /** Input name (default `raw`). */
  input?: string;
  /** Output name (default `rgb`). */
  output?: string;
  /** Tile size in packed pixels; 0 or absent runs the whole image at once. */
  tileSize?: number;
  /**
   * Context in packed pixels added around each tile and cropped off again (default 8); it must
   * cover the model's receptive-field radius for tiled output to equal whole-image output.
   */
  overlap?: number;
  /** Called after each tile with (done, total); may throw to abort (time limits). */
  onTile?: (done: number, total: number) => void;
  /** Image name used in error messages about outputs. */
  image?: string;
}

/**
 * Runs a packed RAW through a `raw` (1×4×h×w) → `rgb` (1×3×2h×2w) model, whole or in tiles.
 * @throws {InputError} naming the model file when its output has the wrong shape
 * @example
 * ```ts
 * const rgb = await runRaw(await openSession("model.onnx"), raw, { tileSize: 256 });
 * ```
 */
export async function runRaw(
  m: OrtModel,
  raw: RawImage,
  opts: RunRawOptions = {},
): Promise<RgbImage> {
  const input = opts.input ?? "raw";
  const output = opts.output ?? "rgb";
  const { width: W, height: H } = raw;
  const tile = opts.tileSize && opts.tileSize > 0 ? opts.tileSize : Math.max(W, H);
  const ov = opts.overlap ?? 8;
  const out = new Float32Array(4 * W * H * 3);
  const tilesX = Math.ceil(W / tile), tilesY = Math.ceil(H / tile);
  let done = 0;
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      // Core [x0, x1) × [y0, y1); extended region [ex0, ex1) × [ey0, ey1) clamped to the image.
      const x0 = tx * tile, y0 = ty * tile;
      const x1 = Math.min(W, x0 + tile), y1 = Math.min(H, y0 + tile);
      const ex0 = Math.max(0, x0 - ov), ey0 = Math.max(0, y0 - ov);
      const ex1 = Math.min(W, x1 + ov), ey1 = Math.min(H, y1 + ov);
      const w = ex1 - ex0, h = ey1 - ey0;
      const plane = w * h;
      const x = new Float32Array(4 * plane);
      for (let y = 0; y < h; y++) {
        for (let i = 0; i < w; i++) {
          const s = 4 * ((ey0 + y) * W + ex0 + i);
          const d = y * w + i;
          x[d] = raw.data[s];
          x[plane + d] = raw.data[s + 1];
          x[2 * plane + d] = raw.data[s + 2];
          x[3 * plane + d] = raw.data[s + 3];
        }
      }
      const t = await runTensor(m, input, output, x, [1, 4, h, w]);
      const dims = t.dims;
      if (
        dims.length !== 4 || dims[0] !== 1 || dims[1] !== 3 || dims[2] !== 2 * h ||
        dims[3] !== 2 * w
      ) {
        throw new InputError(
          m.file,
          `output '${output}' has shape [${dims.join(", ")}] for input [1, 4, ${h}, ${w}]${
            opts.image ? ` (image ${opts.image})` : ""
          }; expected [1, 3, ${2 * h}, ${2 * w}]`,
        );
      }
      const y32 = t.data as Float32Array;
      const ow = 2 * w, oplane = 4 * plane, OW = 2 * W;
      for (let y = 2 * (y0 - ey0); y < 2 * (y1 - ey0); y++) {
        const gy = 2 * ey0 + y;
        for (let i = 2 * (x0 - ex0); i < 2 * (x1 - ex0); i++) {
          const s = y * ow + i;
          const d = 3 * (gy * OW + 2 * ex0 + i);
          out[d] = y32[s];
          out[d + 1] = y32[oplane + s];
          out[d + 2] = y32[2 * oplane + s];
        }
      }
      t.dispose?.();
      opts.onTile?.(++done, tilesX * tilesY);
    }
  }
  return { width: 2 * W, height: 2 * H, data: out };
}

/** Converts an RGB image to a planar CHW float32 array (for NCHW model inputs). */
export function rgbToPlanar(img: RgbImage, into?: Float32Array, offset = 0): Float32Array {
  const n = img.width * img.height;
  const out = into ?? new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[offset + i] = img.data[3 * i];
    out[offset + n + i] = img.data[3 * i + 1];
    out[offset + 2 * n + i] = img.data[3 * i + 2];
  }
  return out;
}
