/**
 * The colour CNN's forward and backward pass over a shard of a batch, on a {@link ConvKernels}
 * backend. One shard keeps its activations between the two passes; the trainer runs one shard per
 * worker (data parallel) and sums the per-image gradients in image order, so the result does not
 * depend on how the batch was split.
 * @module
 */
import { fillReflectBorder } from "./kernels.ts";
import type { ConvKernels } from "./kernels.ts";
import type { CnnWeights } from "./weights.ts";
import { cnnParamCount } from "./weights.ts";

const align = (n: number) => (n + 3) & ~3;

/** Offsets (in floats) of everything a shard keeps on the kernel heap. */
interface Layout {
  n: number;
  H: number;
  W: number;
  w1k: number;
  b1: number;
  w2k: number;
  b2: number;
  dw1k: number;
  db1: number;
  dw2k: number;
  xpad: number;
  hpad: number;
  y: number;
  dy: number;
  dh: number;
  end: number;
}

function layoutFor(n: number, H: number, W: number, C: number): Layout {
  let o = 0;
  const take = (len: number) => {
    const at = o;
    o += align(len);
    return at;
  };
  const plane = (H + 2) * (W + 2);
  return {
    n,
    H,
    W,
    w1k: take(27 * C),
    b1: take(C),
    w2k: take(27 * C),
    b2: take(3),
    dw1k: take(27 * C),
    db1: take(C),
    dw2k: take(27 * C),
    xpad: take(n * plane * 3),
    hpad: take(n * plane * C),
    y: take(n * H * W * 3),
    dy: take(H * W * 3),
    dh: take(plane * C),
    get end() {
      return o;
    },
  };
}

/** Heap offsets of the packed convolution weights. */
export interface PackedAt {
  readonly w1k: number;
  readonly b1: number;
  readonly w2k: number;
  readonly b2: number;
}

/** Writes the convolution weights (PyTorch OIHW) into the kernels' layout on a heap. */
export function packWeights(heap: Float32Array, at: PackedAt, w: CnnWeights): void {
  const C = w.hidden;
  for (let c = 0; c < C; c++) {
    for (let ci = 0; ci < 3; ci++) {
      for (let k = 0; k < 9; k++) heap[at.w1k + (k * 3 + ci) * C + c] = w.w1[(c * 3 + ci) * 9 + k];
    }
    heap[at.b1 + c] = w.b1[c];
    for (let o = 0; o < 3; o++) {
      for (let k = 0; k < 9; k++) heap[at.w2k + (o * 9 + k) * C + c] = w.w2[(o * C + c) * 9 + k];
    }
  }
  heap.set(w.b2, at.b2);
}

/** Forward/backward of the CNN over n images of one size, activations kept for the backward. */
export class CnnShard {
  #k: ConvKernels;
  #C: number;
  #L: Layout | null = null;
  #wh = new Float32Array(9);
  #bh = new Float32Array(3);
  #z: Float32Array = new Float32Array(0);

  /** @param kernels convolution backend @param hidden hidden channels C */
  constructor(kernels: ConvKernels, readonly hidden: number) {
    this.#k = kernels;
    this.#C = hidden;
  }

  #layout(n: number, H: number, W: number): Layout {
    const L = this.#L;
    if (L && L.n === n && L.H === H && L.W === W) return L;
    const next = layoutFor(n, H, W, this.#C);
    this.#k.ensure(next.end);
    if (L) this.#k.heap.copyWithin(next.w1k, L.w1k, L.b2 + 4);
    this.#L = next;
    return next;
  }

  /** Loads weights (PyTorch OIHW layout) into the kernel layout. */
  setWeights(w: CnnWeights): void {
    if (w.hidden !== this.#C) throw new RangeError(`weights have ${w.hidden} hidden channels`);
    const L = this.#L ?? this.#layout(1, 2, 2);
    packWeights(this.#k.heap, L, w);
    this.#wh.set(w.wh);
    this.#bh.set(w.bh);
  }

  /**
   * Runs n images (N×H×W×3, interleaved) through the network; returns the clamped output.
   * The weights must have been set.
   */
  forward(src: Float32Array, n: number, H: number, W: number): Float32Array {
    const L = this.#layout(n, H, W);
    const k = this.#k, C = this.#C, Wp = W + 2, plane = (H + 2) * Wp;
    const heap = k.heap;
    for (let i = 0; i < n; i++) {
      const xp = L.xpad + i * plane * 3;
      for (let r = 0; r < H; r++) {
        const from = (i * H + r) * W * 3;
        heap.set(src.subarray(from, from + W * 3), xp + ((r + 1) * Wp + 1) * 3);
      }
      fillReflectBorder(heap, xp, H, W, 3);
      const hp = L.hpad + i * plane * C;
      k.conv1Forward(xp, Wp, L.w1k, L.b1, hp + (Wp + 1) * C, Wp, H, W, C);
      fillReflectBorder(heap, hp, H, W, C);
      k.conv2Forward(hp, Wp, L.w2k, L.b2, xp + (Wp + 1) * 3, Wp, L.y + i * H * W * 3, H, W, C);
    }
    const len = n * H * W * 3;
    if (this.#z.length !== len) this.#z = new Float32Array(len);
    const z = this.#z, out = new Float32Array(len), wh = this.#wh, bh = this.#bh;
    for (let p = 0; p < len; p += 3) {
      const y0 = heap[L.y + p], y1 = heap[L.y + p + 1], y2 = heap[L.y + p + 2];
      for (let o = 0; o < 3; o++) {
        const v = Math.fround(wh[3 * o] * y0 + wh[3 * o + 1] * y1 + wh[3 * o + 2] * y2 + bh[o]);
        z[p + o] = v;
        out[p + o] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
    return out;
  }

  /**
   * Back-propagates dL/dout (same shape as the last forward's output) and returns the gradient
   * of every parameter for each image separately: n × 7,055 values, each in the flat order
   * w1, b1, w2, b2, wh, bh (OIHW).
   */
  backward(gout: Float32Array): Float32Array {
    const L = this.#L;
    if (!L) throw new Error("backward before forward");
    const k = this.#k, C = this.#C, { n, H, W } = L, Wp = W + 2, plane = (H + 2) * Wp;
    const P = cnnParamCount(C), px = H * W;
    const grads = new Float32Array(n * P);
    const z = this.#z, wh = this.#wh;
    const oW1 = 0, oB1 = 27 * C, oW2 = 28 * C, oB2 = 55 * C, oWh = oB2 + 3, oBh = oWh + 9;
    for (let i = 0; i < n; i++) {
      const heap = k.heap;
      const g = grads.subarray(i * P, (i + 1) * P);
      const yb = L.y + i * px * 3;
      for (let q = 0; q < px; q++) {
        const p = (i * px + q) * 3;
        const g0 = z[p] >= 0 && z[p] <= 1 ? gout[p] : 0;
        const g1 = z[p + 1] >= 0 && z[p + 1] <= 1 ? gout[p + 1] : 0;
        const g2 = z[p + 2] >= 0 && z[p + 2] <= 1 ? gout[p + 2] : 0;
        for (let c = 0; c < 3; c++) {
          const yc = heap[yb + 3 * q + c];
          g[oWh + c] += g0 * yc;
          g[oWh + 3 + c] += g1 * yc;
          g[oWh + 6 + c] += g2 * yc;
          const d = wh[c] * g0 + wh[3 + c] * g1 + wh[6 + c] * g2;
          heap[L.dy + 3 * q + c] = d;
          g[oB2 + c] += d;
        }
        g[oBh] += g0;
        g[oBh + 1] += g1;
        g[oBh + 2] += g2;
      }
      heap.fill(0, L.dw1k, L.dw2k + 27 * C);
      const xp = L.xpad + i * plane * 3, hp = L.hpad + i * plane * C;
      k.conv2Backward(L.dy, hp, L.w2k, L.dh, L.dw2k, H, W, C);
      k.foldAndMask(L.dh, hp, H, W, C);
      k.conv1Backward(L.dh, xp, L.dw1k, L.db1, H, W, C);
      for (let c = 0; c < C; c++) {
        for (let ci = 0; ci < 3; ci++) {
          for (let t = 0; t < 9; t++) {
            g[oW1 + (c * 3 + ci) * 9 + t] = heap[L.dw1k + (t * 3 + ci) * C + c];
          }
        }
        g[oB1 + c] = heap[L.db1 + c];
        for (let o = 0; o < 3; o++) {
          for (let t = 0; t < 9; t++) {
            g[oW2 + (o * C + c) * 9 + t] = heap[L.dw2k + (o * 9 + t) * C + c];
          }
        }
      }
    }
    return grads;
  }
}
