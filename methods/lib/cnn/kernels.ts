/**
 * The convolution kernels of the colour CNN behind one interface, so the same network code runs
 * on plain typed-array loops (this file: readable baseline) or on WASM SIMD (`kernels_wasm.ts`).
 *
 * Every argument that names a tensor is an index (in float32 elements) into `heap`. Tensors are
 * NHWC with channels innermost; a "padded" plane has (H+2)×(W+2) pixels with a one-pixel reflect
 * border. Kernel weight layouts (not PyTorch's): `w1k[t][c]` with tap `t = (ky·3+kx)·3+ci`, and
 * `w2k[o][k][c]` with `k = ky·3+kx`.
 * @module
 */

/** Convolution kernels working in place on a float32 heap. */
export interface ConvKernels {
  /** The heap all indices point into (re-read after {@link ConvKernels.ensure}). */
  readonly heap: Float32Array;
  /** Makes the heap at least `floats` long (may replace {@link ConvKernels.heap}). */
  ensure(floats: number): void;
  /**
   * h = ReLU(conv3x3(x) + b1) for `rows`×`cols` output pixels. Output (r,c) reads input pixels
   * (r+ky, c+kx) of a plane `xStride` pixels wide, writes pixel (r,c) of a plane `hStride` wide.
   */
  conv1Forward(
    x: number,
    xStride: number,
    w1k: number,
    b1: number,
    h: number,
    hStride: number,
    rows: number,
    cols: number,
    C: number,
  ): void;
  /**
   * y = xres + b2 + conv3x3(h): output (r,c) reads hidden pixels (r+ky, c+kx) of a plane `hStride`
   * wide, residual pixel (r,c) of a plane `xStride` wide; writes y densely (rows×cols×3).
   */
  conv2Forward(
    h: number,
    hStride: number,
    w2k: number,
    b2: number,
    xres: number,
    xStride: number,
    y: number,
    rows: number,
    cols: number,
    C: number,
  ): void;
  /**
   * For one padded H×W image: dw2k += Σ dy·h (weight gradient) and dh = conv2ᵀ(dy) over the whole
   * padded plane (overwritten, border included).
   */
  conv2Backward(
    dy: number,
    h: number,
    w2k: number,
    dh: number,
    dw2k: number,
    H: number,
    W: number,
    C: number,
  ): void;
  /**
   * Turns the padded-plane gradient into dz = dL/d(pre-ReLU) on the interior: folds the reflect
   * border back (adjoint of the padding) and applies the ReLU mask h > 0.
   */
  foldAndMask(dh: number, h: number, H: number, W: number, C: number): void;
  /** dw1k += Σ dz·x (taps of the padded input), db1 += Σ dz, for one padded H×W image. */
  conv1Backward(
    dz: number,
    x: number,
    dw1k: number,
    db1: number,
    H: number,
    W: number,
    C: number,
  ): void;
}

/**
 * Fills the one-pixel reflect border of a padded (H+2)×(W+2)×C plane whose interior is set
 * (`padding_mode="reflect"`): columns first, then whole rows (so corners reflect both ways).
 */
export function fillReflectBorder(
  heap: Float32Array,
  p: number,
  H: number,
  W: number,
  C: number,
  top = true,
  bottom = true,
): void {
  const Wp = W + 2;
  for (let r = top ? 1 : 0; r < (bottom ? H + 1 : H + 2); r++) {
    const row = p + r * Wp * C;
    heap.copyWithin(row, row + 2 * C, row + 3 * C);
    heap.copyWithin(row + (W + 1) * C, row + (W - 1) * C, row + W * C);
  }
  if (top) heap.copyWithin(p, p + 2 * Wp * C, p + 3 * Wp * C);
  if (bottom) heap.copyWithin(p + (H + 1) * Wp * C, p + (H - 1) * Wp * C, p + H * Wp * C);
}

/** Folds a padded plane's reflect border back into the interior (adjoint of the fill). */
export function foldReflectBorder(heap: Float32Array, p: number, H: number, W: number, C: number) {
  const Wp = W + 2;
  const rowLen = Wp * C;
  const addRow = (to: number, from: number) => {
    for (let i = 0; i < rowLen; i++) heap[p + to * rowLen + i] += heap[p + from * rowLen + i];
  };
  addRow(2, 0);
  addRow(H - 1, H + 1);
  for (let r = 1; r <= H; r++) {
    const row = p + r * rowLen;
    for (let ch = 0; ch < C; ch++) {
      heap[row + 2 * C + ch] += heap[row + ch];
      heap[row + (W - 1) * C + ch] += heap[row + (W + 1) * C + ch];
    }
  }
}

/**
 * Plain typed-array kernels (route "js"): the readable reference the WASM kernels are checked
 * against, and the fallback where WebAssembly SIMD is missing.
 * @example
 * ```ts
 * const k = createJsKernels(1 << 20);
 * k.heap.length; // 1048576
 * ```
 */
export function createJsKernels(floats = 0): ConvKernels {
  let heap = new Float32Array(floats);
  return {
    get heap() {
      return heap;
    },
    ensure(n: number) {
      if (heap.length < n) {
        const next = new Float32Array(n);
        next.set(heap);
        heap = next;
      }
    },
    conv1Forward(x, xStride, w1k, b1, h, hStride, rows, cols, C) {
      const win = new Float32Array(27);
      const acc = new Float32Array(C);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          for (let ky = 0; ky < 3; ky++) {
            for (let kx = 0; kx < 3; kx++) {
              const xb = x + ((r + ky) * xStride + c + kx) * 3;
              for (let ci = 0; ci < 3; ci++) win[(ky * 3 + kx) * 3 + ci] = heap[xb + ci];
            }
          }
          for (let ch = 0; ch < C; ch++) acc[ch] = heap[b1 + ch];
          for (let t = 0; t < 27; t++) {
            const v = win[t];
            const wb = w1k + t * C;
            for (let ch = 0; ch < C; ch++) acc[ch] += heap[wb + ch] * v;
          }
          const hb = h + (r * hStride + c) * C;
          for (let ch = 0; ch < C; ch++) heap[hb + ch] = acc[ch] > 0 ? acc[ch] : 0;
        }
      }
    },
    conv2Forward(h, hStride, w2k, b2, xres, xStride, y, rows, cols, C) {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          for (let o = 0; o < 3; o++) {
            let acc = 0;
            for (let k = 0; k < 9; k++) {
              const hb = h + ((r + ((k / 3) | 0)) * hStride + c + (k % 3)) * C;
              const wb = w2k + (o * 9 + k) * C;
              for (let ch = 0; ch < C; ch++) acc += heap[hb + ch] * heap[wb + ch];
            }
            heap[y + (r * cols + c) * 3 + o] = heap[xres + (r * xStride + c) * 3 + o] +
              heap[b2 + o] + acc;
          }
        }
      }
    },
    conv2Backward(dy, h, w2k, dh, dw2k, H, W, C) {
      const Wp = W + 2;
      heap.fill(0, dh, dh + (H + 2) * Wp * C);
      for (let r = 0; r < H; r++) {
        for (let c = 0; c < W; c++) {
          const d0 = heap[dy + (r * W + c) * 3];
          const d1 = heap[dy + (r * W + c) * 3 + 1];
          const d2 = heap[dy + (r * W + c) * 3 + 2];
          for (let k = 0; k < 9; k++) {
            const off = ((r + ((k / 3) | 0)) * Wp + c + (k % 3)) * C;
            const w0 = w2k + k * C, w1 = w2k + (9 + k) * C, w2 = w2k + (18 + k) * C;
            for (let ch = 0; ch < C; ch++) {
              const hv = heap[h + off + ch];
              heap[dw2k + k * C + ch] += d0 * hv;
              heap[dw2k + (9 + k) * C + ch] += d1 * hv;
              heap[dw2k + (18 + k) * C + ch] += d2 * hv;
              heap[dh + off + ch] += d0 * heap[w0 + ch] + d1 * heap[w1 + ch] + d2 * heap[w2 + ch];
            }
          }
        }
      }
    },
    foldAndMask(dh, h, H, W, C) {
      foldReflectBorder(heap, dh, H, W, C);
      const Wp = W + 2;
      for (let r = 1; r <= H; r++) {
        for (let i = (r * Wp + 1) * C; i < (r * Wp + W + 1) * C; i++) {
          if (!(heap[h + i] > 0)) heap[dh + i] = 0;
        }
      }
    },
    conv1Backward(dz, x, dw1k, db1, H, W, C) {
      const Wp = W + 2;
      for (let r = 0; r < H; r++) {
        for (let c = 0; c < W; c++) {
          const zb = dz + ((r + 1) * Wp + c + 1) * C;
          for (let ch = 0; ch < C; ch++) heap[db1 + ch] += heap[zb + ch];
          for (let ky = 0; ky < 3; ky++) {
            for (let kx = 0; kx < 3; kx++) {
              for (let ci = 0; ci < 3; ci++) {
                const v = heap[x + ((r + ky) * Wp + c + kx) * 3 + ci];
                const wb = dw1k + ((ky * 3 + kx) * 3 + ci) * C;
                for (let ch = 0; ch < C; ch++) heap[wb + ch] += heap[zb + ch] * v;
              }
            }
          }
        }
      }
    },
  };
}
