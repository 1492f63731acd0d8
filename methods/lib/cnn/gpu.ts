/**
 * WebGPU path of the colour CNN: the convolutions (forward, input and weight gradients, the
 * reflect-padding adjoint and ReLU mask) run as WGSL compute shaders; the 1×1 head, the losses
 * (which need only the 3-channel output) and AdamW stay on the CPU. Per step the GPU returns y
 * (N×h×w×3) and the convolution gradients (≈7K floats); the CPU returns dL/dy.
 *
 * Deno exposes `navigator.gpu` without flags; on a machine without a GPU, Mesa's lavapipe
 * (Debian `mesa-vulkan-drivers`) provides a CPU Vulkan adapter, which the tests use.
 * @module
 */
import { InputError, OptionError } from "../../../harness/errors.ts";
import type { RgbImage } from "../../../harness/types.ts";
import { AdamW } from "./adamw.ts";
import { residualLrScale } from "./train.ts";
import { cloneWeights, flattenWeights, initColorCnn, unflattenWeights } from "./init.ts";
import { fillReflectBorder } from "./kernels.ts";
import {
  addMomentGrad,
  addPairTerms,
  channelSums,
  DEFAULT_LOSS_WEIGHTS,
  type LossTerms,
  type LossWeights,
  momentLoss,
  pairLoss,
  totalLoss,
} from "./losses.ts";
import { packWeights } from "./net.ts";
import { histLossesFor } from "./shard.ts";
import * as S from "./gpu_shaders.ts";
import { quietVulkanLoader } from "../gpu_env.ts";
import type { CnnBatch, CnnTrainerLike, CnnTrainerOptions, GradientResult } from "./train.ts";
import { validateBatch } from "./train.ts";
import { cnnParamCount, type CnnWeights } from "./weights.ts";

const ROWS_PER_CHUNK = 8;
const WG = 64;

/**
 * Returns a WebGPU device, or null when there is no adapter. A software fallback adapter (such as
 * lavapipe) counts only with `allowFallback`: it is right for testing, far too slow for training.
 */
export async function requestGpuDevice(allowFallback = true): Promise<GPUDevice | null> {
  quietVulkanLoader();
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  if (adapter.info.isFallbackAdapter && !allowFallback) return null;
  return await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
}

type Kernel = "conv1" | "conv2" | "dh" | "fold" | "dw2" | "dw1" | "reduce";
const SOURCES: Record<Kernel, string> = {
  conv1: S.CONV1_FORWARD,
  conv2: S.CONV2_FORWARD,
  dh: S.CONV2_INPUT_GRAD,
  fold: S.FOLD_MASK,
  dw2: S.CONV2_WEIGHT_GRAD,
  dw1: S.CONV1_WEIGHT_GRAD,
  reduce: S.REDUCE,
};

interface Buffers {
  n: number;
  H: number;
  W: number;
  chunks: number;
  xpad: GPUBuffer;
  hpad: GPUBuffer;
  y: GPUBuffer;
  dy: GPUBuffer;
  dh: GPUBuffer;
  dz: GPUBuffer;
  pw2: GPUBuffer;
  pw1: GPUBuffer;
  gw2: GPUBuffer;
  gw1: GPUBuffer;
  readY: GPUBuffer;
  readG: GPUBuffer;
}

/** The convolution part of the CNN on a WebGPU device (forward and backward for a batch). */
export class GpuCnn {
  readonly device: GPUDevice;
  readonly hidden: number;
  #pipes: Record<Kernel, GPUComputePipeline>;
  #w1k: GPUBuffer;
  #b1: GPUBuffer;
  #w2k: GPUBuffer;
  #b2: GPUBuffer;
  #buf: Buffers | null = null;
  #packed: Float32Array<ArrayBuffer>;

  constructor(device: GPUDevice, hidden: number) {
    this.device = device;
    this.hidden = hidden;
    const pipes = {} as Record<Kernel, GPUComputePipeline>;
    for (const [k, code] of Object.entries(SOURCES) as [Kernel, string][]) {
      pipes[k] = device.createComputePipeline({
        layout: "auto",
        compute: { module: device.createShaderModule({ code }), entryPoint: "main" },
      });
    }
    this.#pipes = pipes;
    const C = hidden;
    this.#w1k = this.#storage(27 * C);
    this.#b1 = this.#storage(C);
    this.#w2k = this.#storage(27 * C);
    this.#b2 = this.#storage(4);
    this.#packed = new Float32Array(56 * C);
  }

  #storage(floats: number, extra = 0): GPUBuffer {
    return this.device.createBuffer({
      size: Math.max(16, floats * 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extra,
    });
  }

  #buffers(n: number, H: number, W: number): Buffers {
    const b = this.#buf;
    if (b && b.n === n && b.H === H && b.W === W) return b;
    if (b) {
      for (const v of Object.values(b)) if (v instanceof GPUBuffer) v.destroy();
    }
    const C = this.hidden, plane = (H + 2) * (W + 2);
    const chunks = n * Math.ceil(H / ROWS_PER_CHUNK);
    const read = (floats: number) =>
      this.device.createBuffer({
        size: floats * 4,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
    this.#buf = {
      n,
      H,
      W,
      chunks,
      xpad: this.#storage(n * plane * 3),
      hpad: this.#storage(n * plane * C),
      y: this.#storage(n * H * W * 3),
      dy: this.#storage(n * H * W * 3),
      dh: this.#storage(n * plane * C),
      dz: this.#storage(n * H * W * C),
      pw2: this.#storage(chunks * 27 * C),
      pw1: this.#storage(chunks * 28 * C),
      gw2: this.#storage(27 * C),
      gw1: this.#storage(28 * C),
      readY: read(n * H * W * 3),
      readG: read(55 * C),
    };
    return this.#buf;
  }

  #dispatch(
    enc: GPUCommandEncoder,
    k: Kernel,
    count: number,
    bufs: GPUBuffer[],
    dims: { n: number; H: number; W: number; chunks?: number },
  ): void {
    const groups = Math.ceil(count / WG);
    const gx = Math.min(groups, 65535), gy = Math.ceil(groups / gx);
    const u = new Uint32Array([
      dims.n,
      dims.H,
      dims.W,
      this.hidden,
      count,
      gx * WG,
      ROWS_PER_CHUNK,
      dims.chunks ?? 0,
    ]);
    const ub = this.device.createBuffer({
      size: 32,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(ub, 0, u);
    const pipe = this.#pipes[k];
    const bind = this.device.createBindGroup({
      layout: pipe.getBindGroupLayout(0),
      entries: [ub, ...bufs].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(gx, gy);
    pass.end();
  }

  /** Uploads weights (PyTorch layout). */
  setWeights(w: CnnWeights): void {
    const C = this.hidden, pk = this.#packed;
    packWeights(pk, { w1k: 0, b1: 27 * C, w2k: 28 * C, b2: 55 * C }, w);
    const q = this.device.queue;
    q.writeBuffer(this.#w1k, 0, pk, 0, 27 * C);
    q.writeBuffer(this.#b1, 0, pk, 27 * C, C);
    q.writeBuffer(this.#w2k, 0, pk, 28 * C, 27 * C);
    q.writeBuffer(this.#b2, 0, new Float32Array([...pk.subarray(55 * C, 55 * C + 3), 0]));
  }

  /** Forward of the convolutions: returns y = x + conv2(ReLU(conv1(x))) (N×H×W×3). */
  async forward(src: Float32Array, n: number, H: number, W: number): Promise<Float32Array> {
    const b = this.#buffers(n, H, W), Wp = W + 2, plane = (H + 2) * Wp;
    const xpad = new Float32Array(n * plane * 3);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < H; r++) {
        const from = (i * H + r) * W * 3;
        xpad.set(src.subarray(from, from + W * 3), (i * plane + (r + 1) * Wp + 1) * 3);
      }
      fillReflectBorder(xpad, i * plane * 3, H, W, 3);
    }
    this.device.queue.writeBuffer(b.xpad, 0, xpad);
    const enc = this.device.createCommandEncoder();
    const dims = { n, H, W };
    const C = this.hidden;
    this.#dispatch(enc, "conv1", n * plane * C, [b.xpad, this.#w1k, this.#b1, b.hpad], dims);
    this.#dispatch(enc, "conv2", n * H * W, [b.xpad, b.hpad, this.#w2k, this.#b2, b.y], dims);
    enc.copyBufferToBuffer(b.y, 0, b.readY, 0, n * H * W * 12);
    this.device.queue.submit([enc.finish()]);
    await b.readY.mapAsync(GPUMapMode.READ);
    const y = new Float32Array(b.readY.getMappedRange().slice(0));
    b.readY.unmap();
    return y;
  }

  /** Backward from dL/dy of the last forward: gradients of w1k, b1 and w2k (kernel layout). */
  async backward(
    dy: Float32Array<ArrayBuffer>,
  ): Promise<{ dw1k: Float32Array; db1: Float32Array; dw2k: Float32Array }> {
    const b = this.#buf;
    if (!b) throw new Error("backward before forward");
    const { n, H, W, chunks } = b, C = this.hidden, plane = (H + 2) * (W + 2);
    this.device.queue.writeBuffer(b.dy, 0, dy);
    const enc = this.device.createCommandEncoder();
    const dims = { n, H, W, chunks };
    this.#dispatch(enc, "dh", n * plane * C, [b.dy, this.#w2k, b.dh], dims);
    this.#dispatch(enc, "fold", n * H * W * C, [b.dh, b.hpad, b.dz], dims);
    this.#dispatch(enc, "dw2", chunks * 27 * C, [b.dy, b.hpad, b.pw2], dims);
    this.#dispatch(enc, "dw1", chunks * 28 * C, [b.dz, b.xpad, b.pw1], dims);
    this.#dispatch(enc, "reduce", 27 * C, [b.pw2, b.gw2], dims);
    this.#dispatch(enc, "reduce", 28 * C, [b.pw1, b.gw1], dims);
    enc.copyBufferToBuffer(b.gw1, 0, b.readG, 0, 28 * C * 4);
    enc.copyBufferToBuffer(b.gw2, 0, b.readG, 28 * C * 4, 27 * C * 4);
    this.device.queue.submit([enc.finish()]);
    await b.readG.mapAsync(GPUMapMode.READ);
    const g = new Float32Array(b.readG.getMappedRange().slice(0));
    b.readG.unmap();
    return {
      dw1k: g.subarray(0, 27 * C),
      db1: g.subarray(27 * C, 28 * C),
      dw2k: g.subarray(28 * C),
    };
  }

  /** Frees this network's buffers (the device stays usable). */
  destroy(): void {
    const b = this.#buf;
    if (b) { for (const v of Object.values(b)) if (v instanceof GPUBuffer) v.destroy(); }
    this.#buf = null;
    for (const v of [this.#w1k, this.#b1, this.#w2k, this.#b2]) v.destroy();
  }
}

/** Trainer with the convolutions on WebGPU; same interface as the CPU trainer. */
export class GpuCnnTrainer implements CnnTrainerLike {
  readonly hidden: number;
  readonly losses: LossWeights;
  #gpu: GpuCnn;
  #params: Float32Array;
  #opt: AdamW;
  #hist = histLossesFor("wasm");

  constructor(gpu: GpuCnn, weights: CnnWeights, opt: AdamW, losses: LossWeights) {
    this.#gpu = gpu;
    this.hidden = weights.hidden;
    this.#params = flattenWeights(weights);
    this.#opt = opt;
    this.losses = losses;
  }

  /** A copy of the current weights. */
  get weights(): CnnWeights {
    return unflattenWeights(this.#params.slice(), this.hidden);
  }

  /** Images per micro-batch: what fits the binding limit (or `maxChunk`, when set for tests). */
  #chunk(n: number, h: number, w: number): number {
    const limit = this.#gpu.device.limits.maxStorageBufferBindingSize;
    const perImage = (h + 2) * (w + 2) * this.hidden * 4;
    const fit = Math.max(1, Math.floor(limit / perImage));
    if (fit === 1 && perImage > limit) {
      throw new InputError("batch", `a ${h}×${w} crop does not fit the GPU's storage buffers`);
    }
    return Math.min(n, fit, this.maxChunk ?? n);
  }

  /** Largest micro-batch (default: as many images as fit); tests set it to force chunking. */
  maxChunk?: number;

  /** Loss terms and gradient of a batch at the current weights (no update). */
  async gradient(bt: CnnBatch): Promise<GradientResult> {
    validateBatch(bt);
    const { n, h, w } = bt, C = this.hidden, px = h * w, len = px * 3;
    const weights = this.weights;
    this.#gpu.setWeights(weights);
    // Micro-batches of `chunk` images keep every buffer under the device's binding limit (the
    // paper's 24 × 512² crops need ~3.2 GB of hidden activations); the forward is redone per
    // chunk before its backward, and the gradients are summed.
    const chunk = this.#chunk(n, h, w);
    const y = new Float32Array(n * len);
    for (let a = 0; a < n; a += chunk) {
      const e = Math.min(n, a + chunk);
      y.set(await this.#gpu.forward(bt.source.subarray(a * len, e * len), e - a, h, w), a * len);
    }
    const z = new Float32Array(y.length), out = new Float32Array(y.length);
    const { wh, bh } = weights;
    for (let p = 0; p < y.length; p += 3) {
      for (let o = 0; o < 3; o++) {
        const v = Math.fround(
          wh[3 * o] * y[p] + wh[3 * o + 1] * y[p + 1] + wh[3 * o + 2] * y[p + 2] +
            bh[o],
        );
        z[p + o] = v;
        out[p + o] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
    const g = new Float32Array(out.length);
    const so = new Float64Array(6), st = new Float64Array(6);
    const terms = { moment: 0, histY: 0, histUV: 0, gram: 0, tv: 0, pixelL1: 0 };
    for (let i = 0; i < n; i++) {
      const o = out.subarray(i * len, (i + 1) * len),
        t = bt.target.subarray(i * len, (i + 1) * len);
      const cs = channelSums(o), ct = channelSums(t);
      for (let k = 0; k < 6; k++) (so[k] += cs[k]), (st[k] += ct[k]);
      const gi = g.subarray(i * len, (i + 1) * len);
      const pt = pairLoss(o, t, h, w, this.losses, gi, 1 / n, this.#hist);
      addPairTerms(terms, pt, n);
    }
    const m = momentLoss(so, st, n * px);
    terms.moment = m.value;
    if (this.losses.moment) addMomentGrad(out, m, g, this.losses.moment);
    // head backward (CPU): dL/dz through the clamp, then head weights and dL/dy
    const P = cnnParamCount(C);
    const grad = new Float64Array(P);
    const oB2 = 55 * C, oWh = oB2 + 3, oBh = oWh + 9;
    const dy = new Float32Array(y.length);
    for (let p = 0; p < y.length; p += 3) {
      const gz = [0, 1, 2].map((o) => (z[p + o] >= 0 && z[p + o] <= 1 ? g[p + o] : 0));
      for (let c = 0; c < 3; c++) {
        grad[oWh + c] += gz[0] * y[p + c];
        grad[oWh + 3 + c] += gz[1] * y[p + c];
        grad[oWh + 6 + c] += gz[2] * y[p + c];
        const d = wh[c] * gz[0] + wh[3 + c] * gz[1] + wh[6 + c] * gz[2];
        dy[p + c] = d;
        grad[oB2 + c] += d;
        grad[oBh + c] += gz[c];
      }
    }
    const starts = Array.from({ length: Math.ceil(n / chunk) }, (_, i) => i * chunk).reverse();
    for (const [k, a] of starts.entries()) {
      const e = Math.min(n, a + chunk);
      // the last chunk's activations are still on the device; earlier ones are recomputed
      if (k > 0) await this.#gpu.forward(bt.source.subarray(a * len, e * len), e - a, h, w);
      const { dw1k, db1, dw2k } = await this.#gpu.backward(dy.subarray(a * len, e * len));
      for (let c = 0; c < C; c++) {
        for (let ci = 0; ci < 3; ci++) {
          for (let t = 0; t < 9; t++) grad[(c * 3 + ci) * 9 + t] += dw1k[(t * 3 + ci) * C + c];
        }
        grad[27 * C + c] += db1[c];
        for (let o = 0; o < 3; o++) {
          for (let t = 0; t < 9; t++) {
            grad[28 * C + (o * C + c) * 9 + t] += dw2k[(o * 9 + t) * C + c];
          }
        }
      }
    }
    return {
      terms: { ...terms, total: totalLoss(terms, this.losses) } as LossTerms,
      grad,
      output: out,
    };
  }

  /** One forward + backward + AdamW update (at `lr` when given); returns the loss terms before it. */
  async step(b: CnnBatch, lr?: number): Promise<LossTerms> {
    const { terms, grad } = await this.gradient(b);
    this.#opt.step(this.#params, grad, lr);
    return terms;
  }

  /** Releases the GPU buffers and device. */
  close(): void {
    this.#gpu.destroy();
    this.#gpu.device.destroy();
  }
}

/**
 * Creates a WebGPU trainer, or null when WebGPU is unavailable (or only a software fallback
 * adapter exists and `allowFallback` is false).
 */
export async function createGpuCnnTrainer(
  opts: CnnTrainerOptions = {},
  allowFallback = true,
): Promise<GpuCnnTrainer | null> {
  const device = await requestGpuDevice(allowFallback);
  if (!device) return null;
  const weights = opts.init ? cloneWeights(opts.init) : initColorCnn(opts.seed ?? 42, opts.hidden);
  const opt = new AdamW(cnnParamCount(weights.hidden), {
    lr: opts.lr,
    weightDecay: opts.weightDecay,
    betas: opts.betas,
    lrScale: residualLrScale(weights.hidden, opts.residualLr),
  });
  return new GpuCnnTrainer(
    new GpuCnn(device, weights.hidden),
    weights,
    opt,
    { ...DEFAULT_LOSS_WEIGHTS, ...opts.losses },
  );
}

/** Options of {@link forwardColorCnnGpu}. */
export interface GpuForwardOptions {
  /** Device to run on (default: a new one from any adapter, released afterwards). */
  readonly device?: GPUDevice;
  /** Output rows per strip (default: as many as the device's buffer limit allows). */
  readonly strip?: number;
  /** Name of the image, for error messages. */
  readonly name?: string;
}

/**
 * Inference on WebGPU. Large images run in row strips with two rows of real context on each
 * side (the receptive field is 5×5), so strips reproduce the whole-image result exactly.
 * Rejects when no WebGPU adapter exists.
 * @example
 * ```ts
 * const out = await forwardColorCnnGpu(weights, image);
 * ```
 */
export async function forwardColorCnnGpu(
  w: CnnWeights,
  x: RgbImage,
  opts: GpuForwardOptions = {},
): Promise<RgbImage> {
  const { width: W, height: H, data } = x;
  if (!(W >= 2 && H >= 2) || data.length !== W * H * 3) {
    throw new InputError(
      opts.name ?? "image",
      `needs ≥ 2×2 RGB pixels, got ${W}×${H} with ${data.length} values`,
    );
  }
  const device = opts.device ?? await requestGpuDevice(true);
  if (!device) throw new OptionError("device", "no WebGPU adapter is available");
  const gpu = new GpuCnn(device, w.hidden);
  try {
    gpu.setWeights(w);
    const limit = device.limits.maxStorageBufferBindingSize;
    const fit = Math.floor(limit / ((W + 2) * w.hidden * 4)) - 6;
    const S = Math.max(1, Math.min(opts.strip ?? fit, H));
    if (fit < 1) throw new InputError(opts.name ?? "image", `width ${W} is too large for the GPU`);
    const out = new Float32Array(W * H * 3);
    for (let r0 = 0; r0 < H; r0 += S) {
      const r1 = Math.min(H, r0 + S);
      const t0 = Math.max(0, r0 - 2), t1 = Math.min(H, r1 + 2);
      const y = await gpu.forward(data.subarray(t0 * W * 3, t1 * W * 3), 1, t1 - t0, W);
      const from = (r0 - t0) * W * 3;
      for (let p = 0; p < (r1 - r0) * W * 3; p += 3) {
        const q = from + p;
        for (let o = 0; o < 3; o++) {
          const v = Math.fround(
            w.wh[3 * o] * y[q] + w.wh[3 * o + 1] * y[q + 1] + w.wh[3 * o + 2] * y[q + 2] + w.bh[o],
          );
          out[r0 * W * 3 + p + o] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
    return { width: W, height: H, data: out };
  } finally {
    gpu.destroy();
    if (!opts.device) device.destroy();
  }
}
