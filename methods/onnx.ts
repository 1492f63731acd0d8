/**
 * The `onnx` method: an external model submission — an `.onnx` file reading `raw`
 * (N×4×H×W packed RAW) and writing `rgb` (N×3×2H×2W), plus a manifest JSON
 * `{ "name", "description", "input": "raw", "params"?, "tileSize"? }`. Nothing is trained; render
 * runs the model with onnxruntime under a time limit (seconds per output megapixel) and a memory
 * limit (a pre-run estimate from the tensor shapes, then the process RSS growth).
 * @module
 */
import { InputError, OptionError } from "../harness/errors.ts";
import type { Method, MethodContext, Model, TrainSplit } from "../harness/method.ts";
import type { RawImage, RgbImage } from "../harness/types.ts";
import { countInitializerElements } from "./lib/onnx/graph.ts";
import { checkSignature, openSession, runRaw } from "./lib/onnx/runtime.ts";

/** The manifest of a submitted model. */
export interface OnnxManifest {
  /** Display name. */
  readonly name: string;
  /** One paragraph for the leaderboard. */
  readonly description: string;
  /** What the model reads; only `raw` (packed Bayer, normalised) is supported. */
  readonly input: "raw";
  /** Learned parameter count as declared by the submitter. */
  readonly params?: number;
  /** Tile size in packed pixels the model may be run on (absent: whole images). */
  readonly tileSize?: number;
}

/**
 * Reads and validates a manifest file.
 * @throws {InputError} naming the file on unreadable JSON or a missing or ill-typed field
 */
export async function readManifest(path: string): Promise<OnnxManifest> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read manifest: ${(e as Error).message}`, { cause: e });
  }
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new InputError(path, `manifest is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof m !== "object" || m === null || Array.isArray(m)) {
    throw new InputError(path, "manifest must be a JSON object");
  }
  if (typeof m.name !== "string" || m.name.trim() === "") {
    throw new InputError(path, `"name" must be a non-empty string`);
  }
  if (typeof m.description !== "string") {
    throw new InputError(path, `"description" must be a string`);
  }
  if (m.input !== "raw") {
    throw new InputError(
      path,
      `"input" must be "raw" (packed RAW N×4×H×W), got ${JSON.stringify(m.input)}`,
    );
  }
  if (m.params !== undefined && !(Number.isInteger(m.params) && (m.params as number) >= 0)) {
    throw new InputError(
      path,
      `"params" must be a non-negative integer, got ${JSON.stringify(m.params)}`,
    );
  }
  if (m.tileSize !== undefined && !(Number.isInteger(m.tileSize) && (m.tileSize as number) >= 8)) {
    throw new InputError(
      path,
      `"tileSize" must be an integer ≥ 8, got ${JSON.stringify(m.tileSize)}`,
    );
  }
  return {
    name: m.name,
    description: m.description,
    input: "raw",
    ...(m.params !== undefined ? { params: m.params as number } : {}),
    ...(m.tileSize !== undefined ? { tileSize: m.tileSize as number } : {}),
  };
}

const MIB = 1024 * 1024;

/** A rendered model with the image name accepted as an optional second argument. */
export interface OnnxModel extends Model {
  /** The validated manifest. */
  readonly manifest: OnnxManifest;
  /** Renders; `name` (e.g. the file stem) is used in time- and memory-limit errors. */
  render(raw: RawImage, name?: string): Promise<RgbImage>;
}

/**
 * Opens a submission (model + manifest) with explicit options; {@link onnxMethod} calls this.
 * @throws {OptionError} on a missing path or a bad limit
 * @throws {InputError} naming the model or manifest file when either is unusable
 */
export async function openOnnxSubmission(
  options: MethodContext["options"],
  ctx: Pick<MethodContext, "device" | "log">,
): Promise<OnnxModel> {
  const modelPath = String(options.model ?? "");
  if (modelPath === "") throw new OptionError("model", "path of the .onnx file is required");
  const manifestPath = String(options.manifest ?? "") ||
    modelPath.replace(/\.onnx$/i, "") + ".json";
  const timeLimit = Number(options.timeLimit ?? 60);
  const memoryLimitMb = Number(options.memoryLimitMb ?? 4096);
  const overlap = Number(options.tileOverlap ?? 16);
  if (!(timeLimit > 0)) throw new OptionError("timeLimit", `must be > 0 s/MP, got ${timeLimit}`);
  if (!(memoryLimitMb > 0)) {
    throw new OptionError("memoryLimitMb", `must be > 0, got ${memoryLimitMb}`);
  }
  if (!(Number.isInteger(overlap) && overlap >= 0)) {
    throw new OptionError("tileOverlap", `must be a non-negative integer, got ${overlap}`);
  }
  const manifest = await readManifest(manifestPath);
  const tileSize = Number(options.tileSize ?? 0) || manifest.tileSize || 0;
  const rssBefore = Deno.memoryUsage().rss;
  const m = await openSession(modelPath, { device: ctx.device, log: ctx.log });
  let names: { input: string; output: string };
  try {
    names = checkSignature(
      m,
      {
        name: m.session.inputNames.includes("raw") ? "raw" : undefined,
        rank: 4,
        dims: [null, 4, null, null],
      },
      {
        name: m.session.outputNames.includes("rgb") ? "rgb" : undefined,
        rank: 4,
        dims: [null, 3, null, null],
      },
    );
  } catch (e) {
    await m.session.release();
    throw e;
  }
  const params = manifest.params ?? countInitializerElements(await Deno.readFile(modelPath));
  ctx.log(
    `onnx: ${manifest.name} (${modelPath}, ${m.provider}, ${params} params, tile ${
      tileSize || "whole"
    })`,
  );
  let count = 0;
  return {
    manifest,
    params,
    async render(raw: RawImage, name?: string): Promise<RgbImage> {
      const image = name ?? `image #${++count}`;
      const outMp = (4 * raw.width * raw.height) / 1e6;
      const limitMs = timeLimit * outMp * 1000;
      // Lower bound of what one run holds: its input and output tensors (float32) and the weights.
      const tw = tileSize ? Math.min(raw.width, tileSize + 2 * overlap) : raw.width;
      const th = tileSize ? Math.min(raw.height, tileSize + 2 * overlap) : raw.height;
      const estimate = (tw * th * (4 + 12) * 4 + m.bytes) / MIB;
      if (estimate > memoryLimitMb) {
        throw new InputError(
          image,
          `${modelPath} needs ≥ ${
            estimate.toFixed(1)
          } MiB for a ${tw}×${th} run, over the ${memoryLimitMb} MiB limit`,
        );
      }
      const t0 = performance.now();
      const out = await runRaw(m, raw, {
        input: names.input,
        output: names.output,
        tileSize,
        overlap,
        image,
        onTile: (done, total) => {
          const ms = performance.now() - t0;
          if (ms > limitMs) {
            throw new InputError(
              image,
              `${modelPath} exceeded the time limit: ${
                (ms / 1000).toFixed(2)
              } s after tile ${done}/${total}, ` +
                `limit ${(limitMs / 1000).toFixed(3)} s (${timeLimit} s/MP × ${
                  outMp.toFixed(3)
                } MP)`,
            );
          }
          const grown = (Deno.memoryUsage().rss - rssBefore) / MIB;
          if (grown > memoryLimitMb) {
            throw new InputError(
              image,
              `${modelPath} exceeded the memory limit: process grew by ${
                grown.toFixed(0)
              } MiB, limit ${memoryLimitMb} MiB`,
            );
          }
        },
      });
      const d = out.data;
      for (let i = 0; i < d.length; i++) {
        const v = d[i];
        if (!Number.isFinite(v)) {
          throw new InputError(
            image,
            `${modelPath} produced a non-finite value (${v}) at pixel ${Math.floor(i / 3)}`,
          );
        }
        // The contract is [0, 1]; submissions that overshoot are clamped, as the PNG writer would.
        d[i] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
      return out;
    },
    async exportOnnx(path: string): Promise<void> {
      await Deno.copyFile(modelPath, path);
    },
    dispose: () => m.session.release(),
  };
}

/**
 * An external model submission as a {@link Method}: `train` only opens and validates it.
 * @example
 * ```ts
 * const model = await onnxMethod.train(split, { ...ctx, options: { model: "sub/model.onnx", manifest: "sub/manifest.json" } });
 * const rgb = await model.render(raw);
 * ```
 */
export const onnxMethod: Method = {
  name: "onnx",
  description: "An external model submission: an ONNX file (raw N×4×H×W → rgb N×3×2H×2W) and a " +
    "manifest, run with onnxruntime under per-image time and memory limits. Not trained here.",
  params: 0,
  options: {
    model: { type: "string", default: "", description: "path of the .onnx file" },
    manifest: {
      type: "string",
      default: "",
      description: "path of the manifest JSON (default: the model path with .json)",
    },
    timeLimit: {
      type: "number",
      default: 60,
      description: "time limit, seconds per output megapixel",
    },
    memoryLimitMb: { type: "number", default: 4096, description: "memory limit per image, MiB" },
    tileSize: {
      type: "number",
      default: 0,
      description: "tile size in packed pixels (0: the manifest's, else whole images)",
    },
    tileOverlap: {
      type: "number",
      default: 16,
      description: "context around each tile, packed pixels",
    },
  },
  train(_split: TrainSplit, ctx: MethodContext): Promise<Model> {
    return openOnnxSubmission(ctx.options, ctx);
  },
};

export default onnxMethod;
