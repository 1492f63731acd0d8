/**
 * WASM versions of the soft-histogram losses (the costliest loss terms): the per-pixel loops run in
 * `wasm/kernels.wasm` (same windows and weight recurrence as `losses.ts`, float64), the histogram
 * MSE and its bin gradient stay in TypeScript.
 * @module
 */
import { type HistLosses, UV_BINS, UV_SIGMA, Y_BINS, Y_SIGMA } from "./losses.ts";

interface Exports {
  heapBase(): number;
  histYAccumulate(...a: number[]): void;
  histYBackward(...a: number[]): void;
  histUVAccumulate(...a: number[]): void;
  histUVBackward(...a: number[]): void;
}

const radius = (bins: number, sigma: number) => Math.ceil(6.5 * sigma * (bins - 1) + 0.5);

/**
 * Instantiates the histogram kernels on their own memory; null when the module is not on the
 * local file system.
 * @example
 * ```ts
 * const hist = createWasmHistLosses();
 * const value = hist?.histUVLoss(out, tgt, 64 * 64, grad, 1);
 * ```
 */
export function createWasmHistLosses(): HistLosses | null {
  const url = new URL("./wasm/kernels.wasm", import.meta.url);
  if (url.protocol !== "file:") return null;
  const memory = new WebAssembly.Memory({ initial: 1 });
  const module = new WebAssembly.Module(Deno.readFileSync(url));
  const x = new WebAssembly.Instance(module, { env: { memory, abort() {} } })
    .exports as unknown as Exports;
  // layout (bytes, after the module's static data): scratch 4 KB | hist out | hist tgt |
  // G (f64, bins) | out | tgt | grad (f32)
  const SCR = x.heapBase(), HO = SCR + 4096, HT = HO + 8192, G = HT + 8192, IMG = G + 8192 + 16; // G is followed by 2 zeros (read by padded SIMD lanes)
  const f64 = () => new Float64Array(memory.buffer);
  const f32 = () => new Float32Array(memory.buffer);
  const prepare = (out: Float32Array, tgt: Float32Array, pixels: number) => {
    const need = IMG + 3 * pixels * 12;
    if (memory.buffer.byteLength < need) {
      memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    }
    f32().set(out, IMG / 4);
    f32().set(tgt, IMG / 4 + 3 * pixels);
    f64().fill(0, HO / 8, IMG / 8);
  };
  const run = (
    kind: "Y" | "UV",
    out: Float32Array,
    tgt: Float32Array,
    pixels: number,
    g: Float32Array | undefined,
    scale: number,
  ): number => {
    const [bins, sigma, nb] = kind === "Y"
      ? [Y_BINS, Y_SIGMA, Y_BINS]
      : [UV_BINS, UV_SIGMA, UV_BINS ** 2];
    const R = radius(bins, sigma);
    const acc = kind === "Y" ? x.histYAccumulate : x.histUVAccumulate;
    prepare(out, tgt, pixels);
    acc(IMG, pixels, HO, bins, sigma, R, SCR);
    acc(IMG + pixels * 12, pixels, HT, bins, sigma, R, SCR);
    const h = f64();
    let value = 0;
    for (let b = 0; b < nb; b++) {
      const d = (h[HO / 8 + b] - h[HT / 8 + b]) / pixels;
      value += d * d;
      h[G / 8 + b] = scale * 2 * d / (nb * pixels);
    }
    if (g) {
      const GR = IMG + 2 * pixels * 12;
      f32().set(g, GR / 4);
      (kind === "Y" ? x.histYBackward : x.histUVBackward)(IMG, pixels, G, GR, bins, sigma, R, SCR);
      g.set(f32().subarray(GR / 4, GR / 4 + 3 * pixels));
    }
    return value / nb;
  };
  return {
    histYLoss: (out, tgt, pixels, g, scale = 1) => run("Y", out, tgt, pixels, g, scale),
    histUVLoss: (out, tgt, pixels, g, scale = 1) => run("UV", out, tgt, pixels, g, scale),
  };
}
