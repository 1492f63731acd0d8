/**
 * DINOv2 ViT-S/14 descriptors from a local ONNX export (nothing is downloaded): images are
 * area-resized to 224×224, normalised with the ImageNet mean/std, batched as NCHW float32, and the
 * descriptor is the (layer-normed) CLS token, or the mean of the patch tokens.
 *
 * Supported export signatures: one image input (name configurable, default: the model's only
 * input) shaped [N, 3, 224, 224]; output `last_hidden_state` [N, 1 + patches, D] (CLS first) or
 * `pooler_output` [N, D] (the CLS token), as the common exporters write them.
 * @module
 */
import { InputError, OptionError } from "../../../harness/errors.ts";
import type { Device } from "../../../harness/method.ts";
import type { RgbImage } from "../../../harness/types.ts";
import { checkSignature, openSession, type OrtModel, runTensor } from "../onnx/runtime.ts";
import type { Embedder } from "./embedder.ts";
import { histUV, histY } from "../cnn/losses.ts";

/**
 * The paper's image-level descriptor without its VGG19 Gram block (no pretrained weights here):
 * [CLS | soft Y histogram (64 bins, σ 0.02) | soft UV histogram (32×32, σ 0.03)] of the whole
 * image, concatenated without per-block normalisation as in the paper. The histograms are the
 * colour losses' (BT.601 luma and analog UV + 0.5; each pixel's bin weights normalised).
 */
export function sceneDescriptor(cls: Float32Array, img: RgbImage): Float32Array {
  const px = img.width * img.height;
  const y = histY(img.data, px), uv = histUV(img.data, px);
  const out = new Float32Array(cls.length + y.length + uv.length);
  out.set(cls);
  out.set(y, cls.length);
  out.set(uv, cls.length + y.length);
  return out;
}

/** Environment variable naming the local DINOv2 ONNX file. */
export const DINOV2_ENV = "ISP_BENCH_DINOV2_ONNX";

/** ImageNet channel means (RGB). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
/** ImageNet channel standard deviations (RGB). */
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** Options of {@link createDinov2Embedder}. */
export interface Dinov2Options {
  /** Path of the ONNX file (default: `$ISP_BENCH_DINOV2_ONNX`). */
  model?: string;
  /** `cls` (default, the paper's descriptor) or `mean` of the patch tokens. */
  mode?: "cls" | "mean";
  /** Image input name (default: the model's only input). */
  inputName?: string;
  /** Output name (default: `last_hidden_state`, else `pooler_output`, else the only output). */
  outputName?: string;
  /** Images per inference call (default 8). */
  batchSize?: number;
  /** Side of the square network input (default 224). */
  size?: number;
  /** Execution device (default `cpu`). */
  device?: Device;
  /** Environment lookup (default `Deno.env.get`); tests pass their own. */
  env?: (name: string) => string | undefined;
}

/**
 * Area resize (box-filter averaging): output pixel i averages source pixels
 * [⌊i·n/m⌋, ⌈(i+1)·n/m⌉) on each axis — PyTorch's `interpolate(mode="area")`, i.e. adaptive
 * average pooling. Separable, accumulated in float64.
 * @example
 * ```ts
 * const small = areaResize(photo, 224, 224);
 * ```
 */
export function areaResize(img: RgbImage, width: number, height: number): RgbImage {
  const { width: sw, height: sh, data } = img;
  const span = (
    i: number,
    n: number,
    m: number,
  ) => [Math.floor((i * n) / m), Math.ceil(((i + 1) * n) / m)];
  // Rows first: sh × width.
  const tmp = new Float64Array(sh * width * 3);
  for (let x = 0; x < width; x++) {
    const [a, b] = span(x, sw, width);
    const inv = 1 / (b - a);
    for (let y = 0; y < sh; y++) {
      let r = 0, g = 0, bl = 0;
      for (let s = a; s < b; s++) {
        const p = 3 * (y * sw + s);
        r += data[p];
        g += data[p + 1];
        bl += data[p + 2];
      }
      const d = 3 * (y * width + x);
      tmp[d] = r * inv;
      tmp[d + 1] = g * inv;
      tmp[d + 2] = bl * inv;
    }
  }
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const [a, b] = span(y, sh, height);
    const inv = 1 / (b - a);
    for (let x = 0; x < width; x++) {
      let r = 0, g = 0, bl = 0;
      for (let s = a; s < b; s++) {
        const p = 3 * (s * width + x);
        r += tmp[p];
        g += tmp[p + 1];
        bl += tmp[p + 2];
      }
      const d = 3 * (y * width + x);
      out[d] = r * inv;
      out[d + 1] = g * inv;
      out[d + 2] = bl * inv;
    }
  }
  return { width, height, data: out };
}

/**
 * Writes one image as normalised planar CHW (`(v − mean) / std`) into `into` at `offset`, after an
 * area resize to size × size.
 */
export function dinov2Input(img: RgbImage, size: number, into: Float32Array, offset: number): void {
  const r = areaResize(img, size, size);
  const n = size * size;
  for (let c = 0; c < 3; c++) {
    const m = IMAGENET_MEAN[c], s = IMAGENET_STD[c];
    const base = offset + c * n;
    for (let i = 0; i < n; i++) into[base + i] = (r.data[3 * i + c] - m) / s;
  }
}

function pickOutput(m: OrtModel, wanted: string | undefined): string {
  if (wanted !== undefined) return wanted;
  const names = m.session.outputNames;
  if (names.includes("last_hidden_state")) return "last_hidden_state";
  if (names.includes("pooler_output")) return "pooler_output";
  return names.length === 1 ? names[0] : "last_hidden_state";
}

/**
 * Opens a local DINOv2 ONNX model as an {@link Embedder}.
 * @throws {OptionError} when no model path is given (option or `ISP_BENCH_DINOV2_ONNX`)
 * @throws {InputError} naming the file when it is missing, corrupt or has the wrong signature
 * @example
 * ```ts
 * const dino = await createDinov2Embedder({ model: "/models/dinov2_vits14.onnx" });
 * const [a, b] = await dino.embed([imgA, imgB]); // 384-d CLS tokens
 * await dino.dispose?.();
 * ```
 */
export async function createDinov2Embedder(opts: Dinov2Options = {}): Promise<Embedder> {
  const env = opts.env ?? ((name: string) => Deno.env.get(name));
  const path = opts.model ?? env(DINOV2_ENV);
  if (!path) {
    throw new OptionError(
      "dinov2 model",
      `no local DINOv2 ONNX file: pass its path or set ${DINOV2_ENV} (nothing is downloaded)`,
    );
  }
  const mode = opts.mode ?? "cls";
  if (mode !== "cls" && mode !== "mean") {
    throw new OptionError("mode", `unknown mode '${mode}' (cls | mean)`);
  }
  const size = opts.size ?? 224;
  const batchSize = opts.batchSize ?? 8;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new OptionError("batchSize", `must be a positive integer, got ${batchSize}`);
  }
  const m = await openSession(path, { device: opts.device ?? "cpu" });
  try {
    const outName = pickOutput(m, opts.outputName);
    const meta = m.session.outputMetadata.find((o) => o.name === outName);
    const rank = meta?.isTensor && meta.shape.length > 0
      ? meta.shape.length
      : outName === "pooler_output"
      ? 2
      : 3;
    if (rank === 2 && mode === "mean") {
      throw new OptionError(
        "mode",
        `mean needs token outputs; ${path} output '${outName}' is pooled`,
      );
    }
    const names = checkSignature(
      m,
      { name: opts.inputName, rank: 4, dims: [null, 3, size, size] },
      { name: outName, rank },
    );
    const run = async (images: readonly RgbImage[]): Promise<Float32Array[]> => {
      const n = images.length;
      const x = new Float32Array(n * 3 * size * size);
      images.forEach((img, i) => dinov2Input(img, size, x, i * 3 * size * size));
      const t = await runTensor(m, names.input, names.output, x, [n, 3, size, size]);
      const dims = t.dims;
      const y = t.data as Float32Array;
      const out: Float32Array[] = [];
      if (dims.length === 2 && dims[0] === n) {
        for (let i = 0; i < n; i++) out.push(y.slice(i * dims[1], (i + 1) * dims[1]));
      } else if (dims.length === 3 && dims[0] === n && (mode === "cls" || dims[1] > 1)) {
        const [, tokens, d] = dims;
        for (let i = 0; i < n; i++) {
          const base = i * tokens * d;
          if (mode === "cls") out.push(y.slice(base, base + d));
          else {
            const acc = new Float64Array(d);
            for (let k = 1; k < tokens; k++) {
              for (let j = 0; j < d; j++) acc[j] += y[base + k * d + j];
            }
            out.push(Float32Array.from(acc, (v) => v / (tokens - 1)));
          }
        }
      } else {
        throw new InputError(
          path,
          `output '${names.output}' has shape [${dims.join(", ")}] for ${n} images`,
        );
      }
      t.dispose?.();
      return out;
    };
    const last = meta?.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
    const dim = typeof last === "number" && last > 0
      ? last
      : (await run([{ width: size, height: size, data: new Float32Array(3 * size * size) }]))[0]
        .length;
    const embed = async (images: readonly RgbImage[]): Promise<Float32Array[]> => {
      const out: Float32Array[] = [];
      for (let i = 0; i < images.length; i += batchSize) {
        out.push(...(await run(images.slice(i, i + batchSize))));
      }
      return out;
    };
    return {
      name: "dinov2",
      dim,
      embed,
      async embedScenes(images: readonly RgbImage[]): Promise<Float32Array[]> {
        const cls = await embed(images);
        return images.map((img, i) => sceneDescriptor(cls[i], img));
      },
      dispose: () => m.session.release(),
    };
  } catch (e) {
    await m.session.release();
    throw e;
  }
}
