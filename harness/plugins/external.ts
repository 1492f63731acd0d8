/**
 * An external method: a {@link Method} whose training and rendering are programs named by an
 * `isp-method.json` (any language). The harness writes the unpaired train split into
 * `{train_dir}`, runs the train command, then per phase writes the RAW inputs into `{input_dir}`,
 * runs the render command once and reads `{output_dir}/<stem>.png` (or `.npy`) back. Every command
 * runs in the manifest's folder through {@link runCommand} (own process group, log file, limits).
 *
 * Files written for the program (RAW always (H, W, 4), channels R, Gr, Gb, B):
 * - `raw: "float"` (default): float32 in [0, 1], black level subtracted and divided by the range;
 * - `raw: "ntire"`: uint16 DN 0–1023 (the NTIRE files; other black/white levels are mapped to it);
 * - `{train_dir}/raw/<name>.npy`, `{train_dir}/rgb/<name>.png` (8-bit sRGB, not aligned with the
 *   RAW), and `{train_dir}/truth/<raw name>.png` only for `usesTruth` methods.
 * @module
 */
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { readImage, writePng } from "../io/image.ts";
import { decodeNpy, encodeNpy } from "../io/npy.ts";
import { encodeRaw } from "../io/raw.ts";
import type {
  BatchRenderOptions,
  Method,
  MethodContext,
  Model,
  OptionSpec,
  RenderedImage,
  TrainSplit,
} from "../method.ts";
import type { RawImage, RgbImage, Sample } from "../types.ts";
import { type ExternalManifest, manifestPath, PLUGIN_HASH_OPTION, substitute } from "./manifest.ts";
import { runCommand } from "./process.ts";

/** Options of {@link externalMethod}. */
export interface ExternalMethodOptions {
  /** Hash of the manifest and its folder's files: a declared option, so it keys runs. */
  readonly pluginHash: string;
  /** Seconds between SIGTERM and SIGKILL when a command is stopped (default 2). */
  readonly graceS?: number;
}

/** Name of the log file in the run's work folder. */
export const PLUGIN_LOG = "plugin.log";

async function freshDir(path: string): Promise<string> {
  await Deno.remove(path, { recursive: true }).catch(() => {});
  await Deno.mkdir(path, { recursive: true });
  return path;
}

function encodeInput(raw: RawImage, format: ExternalManifest["raw"]): Uint8Array {
  if (format === "ntire") return encodeRaw(raw);
  return encodeNpy({ dtype: "float32", shape: [raw.height, raw.width, 4], data: raw.data });
}

/** Counts float32 initializer elements of an ONNX file, naming the manifest field on failure. */
async function countOnnxParams(m: ExternalManifest, file: string): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (e) {
    throw new InputError(
      m.path,
      `field "paramsFrom": cannot read ${file}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const { countInitializerElements } = await import("../../methods/lib/onnx/graph.ts");
  try {
    return countInitializerElements(bytes);
  } catch (e) {
    throw new InputError(file, `not a readable ONNX model: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads one output: `.png` (8 or 16 bit) or `.npy` float32 (2H, 2W, 3). */
async function readOutput(file: string): Promise<RgbImage> {
  if (file.endsWith(".png")) return await readImage(file);
  const arr = decodeNpy(await Deno.readFile(file), file);
  if (arr.dtype !== "float32" || arr.shape.length !== 3 || arr.shape[2] !== 3) {
    throw new InputError(
      file,
      `expected float32 (2H, 2W, 3), got ${arr.dtype} (${arr.shape.join(", ")})`,
    );
  }
  return { height: arr.shape[0], width: arr.shape[1], data: arr.data as Float32Array };
}

/**
 * Checks an output folder against the inputs: one `<stem>.png` or `<stem>.npy` per input, and
 * nothing else. Returns the output file of each input.
 *
 * @throws {InputError} naming the folder: missing outputs, extra entries, or two files for a stem
 */
export async function matchOutputs(
  outDir: string,
  stems: readonly string[],
): Promise<Map<string, string>> {
  const wanted = new Set(stems);
  const found = new Map<string, string>();
  const extra: string[] = [];
  for await (const e of Deno.readDir(outDir)) {
    const m = e.name.match(/^(.*)\.(png|npy)$/);
    if (!e.isFile || !m || !wanted.has(m[1])) {
      extra.push(e.name);
      continue;
    }
    const prev = found.get(m[1]);
    if (prev) throw new InputError(outDir, `two outputs for '${m[1]}': ${prev} and ${e.name}`);
    found.set(m[1], e.name);
  }
  const list = (xs: string[]) => xs.slice(0, 5).join(", ") + (xs.length > 5 ? ", …" : "");
  if (extra.length) {
    extra.sort();
    throw new InputError(
      outDir,
      `${extra.length} unexpected output(s): ${list(extra)} ` +
        `(only <stem>.png or <stem>.npy of the inputs may be written)`,
    );
  }
  const missing = stems.filter((s) => !found.has(s));
  if (missing.length) {
    throw new InputError(
      outDir,
      `${missing.length} of ${stems.length} outputs missing: ${
        list(missing.map((s) => s + ".png"))
      }`,
    );
  }
  return new Map([...found].map(([s, f]) => [s, join(outDir, f)]));
}

/**
 * The {@link Method} of a manifest.
 * @example
 * ```ts
 * const m = externalMethod(await readExternalManifest("plugin/isp-method.json"),
 *   { pluginHash: "3fa9…" });
 * ```
 */
export function externalMethod(m: ExternalManifest, opts: ExternalMethodOptions): Method {
  const hashSpec: OptionSpec = {
    type: "string",
    default: opts.pluginHash,
    choices: [opts.pluginHash],
    description: "SHA-256 of the manifest and the files of its folder (set by the harness)",
  };
  return {
    name: m.name,
    description: m.description,
    params: m.params ?? 0,
    usesTruth: m.usesTruth,
    options: { ...m.options, [PLUGIN_HASH_OPTION]: hashSpec },
    train: (split, ctx) => trainExternal(m, opts, split, ctx),
  };
}

async function trainExternal(
  m: ExternalManifest,
  opts: ExternalMethodOptions,
  split: TrainSplit,
  ctx: MethodContext,
): Promise<Model> {
  const logFile = join(ctx.workDir, PLUGIN_LOG);
  await Deno.writeTextFile(logFile, "");
  ctx.log(`log: ${logFile}`);
  // A model left by an earlier, failed attempt must not be rendered.
  const modelDir = await freshDir(join(ctx.workDir, "model"));
  const values: Record<string, string> = {
    model_dir: modelDir,
    seed: String(ctx.seed),
    device: ctx.device,
  };
  for (const [k, v] of Object.entries(ctx.options)) values[`opt.${k}`] = String(v);
  const run = (label: string, argv: readonly string[], extra: Record<string, string>) =>
    runCommand({
      argv: argv.map((a) => substitute(a, { ...values, ...extra })),
      cwd: m.dir,
      env: m.env,
      logFile,
      label: `${m.name} ${label}`,
      timeLimitS: m.timeLimitS,
      memoryLimitMb: m.memoryLimitMb,
      signal: ctx.signal,
      graceS: opts.graceS,
    });

  if (m.train) {
    const trainDir = await writeTrainSplit(m, split, join(ctx.workDir, "train"), ctx);
    await run("train", m.train, { train_dir: trainDir });
  }
  const params = m.paramsFrom
    ? await countOnnxParams(m, manifestPath(m, substitute(m.paramsFrom, values)))
    : m.params ?? 0;

  async function* renderBatch(
    inputs: readonly Sample<RawImage>[],
    b: BatchRenderOptions,
  ): AsyncIterable<RenderedImage> {
    const base = join(ctx.workDir, "render", b.label.replace(/[^\w.-]/g, "_"));
    const inputDir = await freshDir(join(base, "input"));
    const outputDir = await freshDir(join(base, "output"));
    for (const s of inputs) {
      b.signal?.throwIfAborted();
      await Deno.writeFile(join(inputDir, `${s.name}.npy`), encodeInput(await s.load(), m.raw));
    }
    await run(`render ${b.label}`, m.render, { input_dir: inputDir, output_dir: outputDir });
    const files = await matchOutputs(outputDir, inputs.map((s) => s.name));
    for (const s of inputs) {
      const raw = await s.load();
      const file = files.get(s.name)!;
      const rgb = await readOutput(file);
      if (rgb.width !== 2 * raw.width || rgb.height !== 2 * raw.height) {
        throw new InputError(
          file,
          `output is ${rgb.width}×${rgb.height}, expected ${2 * raw.width}×${2 * raw.height} ` +
            `(twice the RAW's ${raw.width}×${raw.height})`,
        );
      }
      const bad = rgb.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new InputError(
          file,
          `value ${rgb.data[bad]} at pixel ${Math.floor(bad / 3)} (NaN/∞ in the output)`,
        );
      }
      yield { name: s.name, raw, rgb };
    }
  }

  let single = 0;
  return {
    params,
    renderBatch,
    async render(raw: RawImage, name?: string): Promise<RgbImage> {
      // One program start per image: slow, but the same code path as whole phases.
      const stem = (name ?? `image${single}`).replace(/[^\w.-]/g, "_");
      const sample: Sample<RawImage> = { name: stem, load: () => Promise.resolve(raw) };
      for await (const r of renderBatch([sample], { label: `single-${single++}` })) return r.rgb;
      throw new Error("unreachable: renderBatch yields one image per input");
    },
  };
}

async function writeTrainSplit(
  m: ExternalManifest,
  split: TrainSplit,
  dir: string,
  ctx: MethodContext,
): Promise<string> {
  await freshDir(dir);
  const rawDir = join(dir, "raw"), rgbDir = join(dir, "rgb"), truthDir = join(dir, "truth");
  await Deno.mkdir(rawDir);
  await Deno.mkdir(rgbDir);
  const truth = m.usesTruth ? split.truth : undefined;
  if (truth) await Deno.mkdir(truthDir);
  const total = split.raws.length + split.rgbs.length + (truth?.size ?? 0);
  let done = 0;
  for (const s of split.raws) {
    ctx.signal?.throwIfAborted();
    await Deno.writeFile(join(rawDir, `${s.name}.npy`), encodeInput(await s.load(), m.raw));
    ctx.progress("write train split", ++done, total);
  }
  for (const s of split.rgbs) {
    ctx.signal?.throwIfAborted();
    await writePng(join(rgbDir, `${s.name}.png`), await s.load());
    ctx.progress("write train split", ++done, total);
  }
  for (const [name, s] of truth ?? []) {
    await writePng(join(truthDir, `${name}.png`), await s.load());
    ctx.progress("write train split", ++done, total);
  }
  return dir;
}
