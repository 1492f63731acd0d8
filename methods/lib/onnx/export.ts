/**
 * ONNX export of the pre-ISP and of the colour CNN behind it. The model reads `raw`
 * (N×4×H×W float32, packed R, Gr, Gb, B, normalised) and writes `rgb` (N×3×2H×2W).
 *
 * Pre-ISP in ONNX ops, numerically the same computation as `preIsp`:
 * DepthToSpace(2) re-mosaics; reflect Pad + one fixed Conv evaluates every per-site demosaicking
 * kernel everywhere (12 maps: 4 site classes × 3 channels); SpaceToDepth(2) + a fixed 1×1 Conv keeps
 * for each site the 3 maps of its own class; DepthToSpace(2) puts them back at full resolution.
 * Then white balance (Mul, or grey-world gains from ReduceMean), Clip(0, 1), Pow(1/gamma), tone.
 * @module
 */
import type { CnnWeights } from "../cnn/weights.ts";
import { demosaicKernels } from "../isp/demosaic.ts";
import { denoiseActive, denoiseKernel, type DenoiseOptions } from "../isp/denoise.ts";
import { type PreIspOptions, resolvePreIspOptions } from "../isp/preisp.ts";
import { OnnxGraphBuilder } from "./graph.ts";

/** Options of the ONNX exports. */
export interface OnnxExportOptions {
  /** Pre-ISP expressed in the graph (default: the paper's — bilinear, no WB, gamma 2.2). */
  preIsp?: PreIspOptions;
  /** Denoise step between the pre-ISP and the CNN (default none). */
  denoise?: DenoiseOptions;
  /** Graph name stored in the file. */
  graphName?: string;
}

/** Appends the pre-ISP to a graph: `x` (N×4×H×W) → returned tensor (N×3×2H×2W). */
export function addPreIsp(g: OnnxGraphBuilder, x: string, opts: PreIspOptions = {}): string {
  const o = resolvePreIspOptions(opts);
  const k = demosaicKernels(o.demosaic);
  const r = k.radius;
  const size = 2 * r + 1;
  const mosaic = g.node("DepthToSpace", [x], undefined, { blocksize: 2, mode: "DCR" });
  const pads = g.constant("pads", [8], [0, 0, r, r, 0, 0, r, r], "int64");
  const padded = g.node("Pad", [mosaic, pads], undefined, { mode: "reflect" });
  const wAll = new Float32Array(12 * size * size);
  for (let q = 0; q < 4; q++) {
    for (let c = 0; c < 3; c++) wAll.set(k.kernels[q][c], (q * 3 + c) * size * size);
  }
  const all = g.node("Conv", [padded, g.constant("demosaic_w", [12, 1, size, size], wAll)]);
  const s2d = g.node("SpaceToDepth", [all], undefined, { blocksize: 2 });
  // SpaceToDepth puts map m of class q at channel 12q + m; keep maps 3q..3q+2 of class q.
  const wSel = new Float32Array(12 * 48);
  for (let q = 0; q < 4; q++) {
    for (let c = 0; c < 3; c++) wSel[(q * 3 + c) * 48 + q * 12 + q * 3 + c] = 1;
  }
  const sel = g.node("Conv", [s2d, g.constant("select_w", [12, 48, 1, 1], wSel)]);
  let y = g.node("DepthToSpace", [sel], undefined, { blocksize: 2, mode: "DCR" });
  if (o.whiteBalance === "grey-world") {
    const mean = g.node("ReduceMean", [y], undefined, { axes: { ints: [2, 3] }, keepdims: 1 });
    const meanG = g.node("Slice", [
      mean,
      g.constant("start", [1], [1], "int64"),
      g.constant("end", [1], [2], "int64"),
      g.constant("axis", [1], [1], "int64"),
    ]);
    const zero = g.constant("zero", [], [0]);
    const ok = g.node("And", [
      g.node("Greater", [mean, zero]),
      g.node("Greater", [meanG, zero]),
    ]);
    const ratio = g.node("Div", [meanG, g.node("Max", [mean, g.constant("tiny", [], [1e-30])])]);
    const gains = g.node("Where", [ok, ratio, g.constant("one", [], [1])]);
    y = g.node("Mul", [y, gains]);
  } else if (o.whiteBalance !== "none") {
    y = g.node("Mul", [y, g.constant("wb_gains", [1, 3, 1, 1], [...o.whiteBalance])]);
  }
  y = g.node("Clip", [y, g.constant("lo", [], [0]), g.constant("hi", [], [1])]);
  if (o.gamma !== 1) y = g.node("Pow", [y, g.constant("inv_gamma", [], [1 / o.gamma])]);
  if (o.tone === "smoothstep") {
    const t = g.node("Sub", [g.constant("three", [], [3]), g.node("Add", [y, y])]);
    y = g.node("Mul", [g.node("Mul", [y, y]), t]);
  }
  return y;
}

/** Appends the colour CNN (reflect-padded 3×3 convs, residual, 1×1 head, clamp) to a graph. */
export function addColorCnn(g: OnnxGraphBuilder, x: string, w: CnnWeights): string {
  const c = w.hidden;
  const pads = g.constant("pads", [8], [0, 0, 1, 1, 0, 0, 1, 1], "int64");
  const p1 = g.node("Pad", [x, pads], undefined, { mode: "reflect" });
  const h = g.node("Relu", [
    g.node("Conv", [p1, g.constant("w1", [c, 3, 3, 3], w.w1), g.constant("b1", [c], w.b1)]),
  ]);
  const p2 = g.node("Pad", [h, pads], undefined, { mode: "reflect" });
  const d = g.node("Conv", [p2, g.constant("w2", [3, c, 3, 3], w.w2), g.constant("b2", [3], w.b2)]);
  const y = g.node("Add", [x, d]);
  const head = g.node("Conv", [
    y,
    g.constant("wh", [3, 3, 1, 1], w.wh),
    g.constant("bh", [3], w.bh),
  ]);
  return g.node("Clip", [head, g.constant("lo", [], [0]), g.constant("hi", [], [1])]);
}

/**
 * Appends the denoise step (`denoiseRgb`): being linear, it is one reflect-padded fixed 3→3 Conv.
 * Reflect padding needs the image to be larger than the kernel radius (⌈3σ⌉).
 */
export function addDenoise(g: OnnxGraphBuilder, x: string, opts: DenoiseOptions): string {
  const k = denoiseKernel(opts);
  const r = (k.size - 1) / 2;
  const pads = g.constant("pads", [8], [0, 0, r, r, 0, 0, r, r], "int64");
  const padded = g.node("Pad", [x, pads], undefined, { mode: "reflect" });
  return g.node("Conv", [padded, g.constant("denoise_w", [3, 3, k.size, k.size], k.weights)]);
}

/** Builds the ONNX bytes of pre-ISP (+ denoise) + colour CNN. */
export function buildColorCnnOnnx(w: CnnWeights, opts: OnnxExportOptions = {}): Uint8Array {
  const g = new OnnxGraphBuilder(opts.graphName ?? "isp_bench_color_cnn");
  const raw = g.input("raw", "float32", ["N", 4, "H", "W"]);
  let x = addPreIsp(g, raw, opts.preIsp);
  if (denoiseActive(opts.denoise)) x = addDenoise(g, x, opts.denoise);
  const out = addColorCnn(g, x, w);
  g.node("Identity", [out], "rgb");
  g.output("rgb", "float32", ["N", 3, "H2", "W2"]);
  return g.toBytes("isp-bench: classical pre-ISP + 7K colour CNN; raw N×4×H×W → rgb N×3×2H×2W");
}

/** Builds the ONNX bytes of the pre-ISP alone (the `classical` method). */
export function buildPreIspOnnx(opts: OnnxExportOptions = {}): Uint8Array {
  const g = new OnnxGraphBuilder(opts.graphName ?? "isp_bench_pre_isp");
  const raw = g.input("raw", "float32", ["N", 4, "H", "W"]);
  g.node("Identity", [addPreIsp(g, raw, opts.preIsp)], "rgb");
  g.output("rgb", "float32", ["N", 3, "H2", "W2"]);
  return g.toBytes("isp-bench: classical pre-ISP; raw N×4×H×W → rgb N×3×2H×2W");
}

/**
 * Writes pre-ISP + colour CNN as an ONNX file (opset 17).
 * @example
 * ```ts
 * await exportColorCnnOnnx(weights, "out/model.onnx"); // bilinear, gamma 2.2, as the paper
 * ```
 */
export async function exportColorCnnOnnx(
  w: CnnWeights,
  path: string,
  opts: OnnxExportOptions = {},
): Promise<void> {
  await Deno.writeFile(path, buildColorCnnOnnx(w, opts));
}

/** Writes the pre-ISP alone as an ONNX file (opset 17). */
export async function exportPreIspOnnx(path: string, opts: OnnxExportOptions = {}): Promise<void> {
  await Deno.writeFile(path, buildPreIspOnnx(opts));
}
