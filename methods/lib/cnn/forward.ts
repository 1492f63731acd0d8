/**
 * Inference of the colour CNN on a whole image of any size (≥ 2×2), in horizontal strips so the
 * 128-channel hidden layer never has to exist for the whole image at once. Strips recompute one
 * hidden row on each side and apply the reflect padding only at the true image border, so the
 * result equals a whole-image pass.
 * @module
 */
import { InputError } from "../../../harness/errors.ts";
import type { RgbImage } from "../../../harness/types.ts";
import { type ConvKernels, createJsKernels, fillReflectBorder } from "./kernels.ts";
import { createWasmKernelsSync, wasmSupportsHidden } from "./kernels_wasm.ts";
import { packWeights } from "./net.ts";
import type { CnnWeights } from "./weights.ts";

/** Options of {@link forwardColorCnn}. */
export interface ForwardOptions {
  /** Rows per strip (default: up to 32, fewer for wide images so a strip stays ≈ 16 MB). */
  readonly strip?: number;
  /** Kernels to use (default: WASM SIMD where possible, else typed-array loops). */
  readonly kernels?: ConvKernels;
  /** Name of the image, for error messages. */
  readonly name?: string;
}

const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);

/**
 * Runs the CNN on one image: `clamp(head(x + conv2(ReLU(conv1(x)))), 0, 1)`.
 * @example
 * ```ts
 * const out = forwardColorCnn(initColorCnn(42), image);
 * ```
 */
export function forwardColorCnn(w: CnnWeights, x: RgbImage, opts: ForwardOptions = {}): RgbImage {
  const { width: W, height: H, data } = x;
  const name = opts.name ?? "image";
  if (!(W >= 2 && H >= 2) || data.length !== W * H * 3) {
    throw new InputError(name, `needs ≥ 2×2 RGB pixels, got ${W}×${H} with ${data.length} values`);
  }
  const C = w.hidden;
  const k = opts.kernels ??
    ((wasmSupportsHidden(C) ? createWasmKernelsSync() : null) ?? createJsKernels());
  const fit = Math.floor(4_000_000 / ((W + 2) * C)) - 2;
  const S = Math.max(1, Math.min(opts.strip ?? Math.min(32, fit), H));
  const Wp = W + 2;
  const at = { w1k: 0, b1: 27 * C, w2k: 28 * C, b2: 55 * C };
  const xt = 55 * C + 4;
  const ht = xt + (((S + 4) * Wp * 3 + 3) & ~3);
  const yt = ht + (S + 2) * Wp * C;
  k.ensure(yt + S * W * 3);
  const heap = k.heap;
  packWeights(heap, at, w);
  const out = new Float32Array(W * H * 3);
  for (let r0 = 0; r0 < H; r0 += S) {
    const r1 = Math.min(H, r0 + S), R = r1 - r0;
    const s = Math.max(0, r0 - 1), e = Math.min(H - 1, r1);
    // input rows s−1 … e+1 (reflected at the border), each with its reflected side columns
    for (let t = 0; t < e - s + 3; t++) {
      const src = reflect(s - 1 + t, H) * W * 3, row = xt + t * Wp * 3;
      heap.set(data.subarray(src, src + W * 3), row + 3);
      heap.copyWithin(row, row + 6, row + 9);
      heap.copyWithin(row + (W + 1) * 3, row + (W - 1) * 3, row + W * 3);
    }
    // hidden tile row t holds hidden row r0 − 1 + t
    k.conv1Forward(xt, Wp, at.w1k, at.b1, ht + ((s - r0 + 1) * Wp + 1) * C, Wp, e - s + 1, W, C);
    const rowLen = Wp * C;
    if (r0 === 0) heap.copyWithin(ht, ht + 2 * rowLen, ht + 3 * rowLen);
    if (r1 === H) heap.copyWithin(ht + (R + 1) * rowLen, ht + (R - 1) * rowLen, ht + R * rowLen);
    fillReflectBorder(heap, ht, R, W, C, false, false);
    k.conv2Forward(ht, Wp, at.w2k, at.b2, xt + ((r0 - s + 1) * Wp + 1) * 3, Wp, yt, R, W, C);
    for (let p = 0; p < R * W * 3; p += 3) {
      const y0 = heap[yt + p], y1 = heap[yt + p + 1], y2 = heap[yt + p + 2];
      for (let o = 0; o < 3; o++) {
        const v = Math.fround(
          w.wh[3 * o] * y0 + w.wh[3 * o + 1] * y1 + w.wh[3 * o + 2] * y2 +
            w.bh[o],
        );
        out[r0 * W * 3 + p + o] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  return { width: W, height: H, data: out };
}
