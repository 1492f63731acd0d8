/**
 * Classical demosaicking of an RGGB mosaic: bilinear, and the gradient-corrected linear
 * interpolation of Malvar, He & Cutler (ICASSP 2004) as the edge-aware method. Both are linear
 * filters whose 5×5 (or 3×3) kernel depends on the CFA site class and the output channel, so one
 * table ({@link DemosaicKernels}) drives the TS code and the ONNX export alike.
 *
 * Boundary: reflect (mirror without repeating the edge sample, numpy `reflect`, scipy `mirror`,
 * torch `reflect`). Reflecting by an offset keeps its parity, so padded samples keep their CFA
 * colour and no extra colour mixing happens at the border.
 * @module
 */
import { InputError } from "../../../harness/errors.ts";
import type { RgbImage } from "../../../harness/types.ts";
import type { Mosaic } from "./mosaic.ts";

/** Demosaicking methods offered by the pre-ISP. */
export type DemosaicMethod = "bilinear" | "edge-aware";

/**
 * Per-site linear demosaicking kernels: `kernels[q][c]` is a (2r+1)² row-major correlation kernel
 * applied to the raw mosaic at sites of class `q = 2·(y mod 2) + (x mod 2)` (0 R, 1 Gr, 2 Gb, 3 B)
 * to produce output channel `c` (R, G, B).
 */
export interface DemosaicKernels {
  /** Kernel radius r (size 2r+1). */
  readonly radius: number;
  /** `[4 classes][3 channels]` kernels of `(2r+1)²` weights. */
  readonly kernels: readonly (readonly Float64Array[])[];
}

/** CFA colour (0 R, 1 G, 2 B) of a site with parities (py, px) in an RGGB mosaic. */
function cfaColour(py: number, px: number): number {
  return py === 0 ? (px === 0 ? 0 : 1) : (px === 0 ? 1 : 2);
}

/**
 * Bilinear kernels: the classic masked convolution — G plane with [0 1 0; 1 4 1; 0 1 0]/4, R and
 * B planes with [1 2 1; 2 4 2; 1 2 1]/4 — restricted per site class to the taps that fall on a
 * sample of the wanted colour.
 */
export function bilinearKernels(): DemosaicKernels {
  const g = [0, 1, 0, 1, 4, 1, 0, 1, 0];
  const rb = [1, 2, 1, 2, 4, 2, 1, 2, 1];
  const kernels: Float64Array[][] = [];
  for (let q = 0; q < 4; q++) {
    const py = q >> 1, px = q & 1;
    const row: Float64Array[] = [];
    for (let c = 0; c < 3; c++) {
      const base = c === 1 ? g : rb;
      const k = new Float64Array(9);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if (cfaColour((py + dy) & 1, (px + dx) & 1) === c) {
            k[(dy + 1) * 3 + dx + 1] = base[(dy + 1) * 3 + dx + 1] / 4;
          }
        }
      }
      row.push(k);
    }
    kernels.push(row);
  }
  return { radius: 1, kernels };
}

/** Kernels of Malvar–He–Cutler 2004 (weights in eighths, as in the paper's figure). */
export function malvarKernels(): DemosaicKernels {
  const identity = new Float64Array(25);
  identity[12] = 1;
  const eighths = (rows: number[][]) => Float64Array.from(rows.flat(), (v) => v / 8);
  // G at an R or B site.
  const gAtRb = eighths([
    [0, 0, -1, 0, 0],
    [0, 0, 2, 0, 0],
    [-1, 2, 4, 2, -1],
    [0, 0, 2, 0, 0],
    [0, 0, -1, 0, 0],
  ]);
  // R (B) at a G site whose row holds R (B) samples.
  const inRow = eighths([
    [0, 0, 0.5, 0, 0],
    [0, -1, 0, -1, 0],
    [-1, 4, 5, 4, -1],
    [0, -1, 0, -1, 0],
    [0, 0, 0.5, 0, 0],
  ]);
  const inCol = new Float64Array(25);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) inCol[i * 5 + j] = inRow[j * 5 + i];
  // R at a B site, or B at an R site.
  const diagonal = eighths([
    [0, 0, -1.5, 0, 0],
    [0, 2, 0, 2, 0],
    [-1.5, 0, 6, 0, -1.5],
    [0, 2, 0, 2, 0],
    [0, 0, -1.5, 0, 0],
  ]);
  return {
    radius: 2,
    kernels: [
      [identity, gAtRb, diagonal], // R site
      [inRow, identity, inCol], // Gr site: R left/right, B above/below
      [inCol, identity, inRow], // Gb site: R above/below, B left/right
      [diagonal, gAtRb, identity], // B site
    ],
  };
}

/** Index table for reflect padding of `n` samples by `r` on each side. */
function reflectIndex(n: number, r: number): Int32Array {
  const idx = new Int32Array(n + 2 * r);
  for (let i = -r; i < n + r; i++) {
    let j = i < 0 ? -i : i;
    if (j >= n) j = 2 * (n - 1) - j;
    idx[i + r] = j;
  }
  return idx;
}

/**
 * Applies per-site demosaicking kernels to a mosaic (reflect boundary). Accumulates in float64.
 * @throws {InputError} when the mosaic is smaller than the kernel radius allows
 */
export function applyDemosaicKernels(
  m: Mosaic,
  k: DemosaicKernels,
  file = "<raw>",
): RgbImage {
  const { width: w, height: h, data } = m;
  const r = k.radius;
  if (w <= r || h <= r) {
    throw new InputError(file, `mosaic ${w}×${h} too small to demosaic (needs > ${r} per side)`);
  }
  const size = 2 * r + 1;
  const pw = w + 2 * r;
  const ph = h + 2 * r;
  const rows = reflectIndex(h, r);
  const cols = reflectIndex(w, r);
  const padded = new Float32Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const src = rows[y] * w;
    for (let x = 0; x < pw; x++) padded[y * pw + x] = data[src + cols[x]];
  }
  const out = new Float32Array(w * h * 3);
  for (let q = 0; q < 4; q++) {
    const py = q >> 1, px = q & 1;
    for (let c = 0; c < 3; c++) {
      const kern = k.kernels[q][c];
      const offs: number[] = [];
      const wts: number[] = [];
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) {
          if (kern[i * size + j] !== 0) {
            offs.push(i * pw + j);
            wts.push(kern[i * size + j]);
          }
        }
      }
      const n = offs.length;
      const off = Int32Array.from(offs);
      const wt = Float64Array.from(wts);
      for (let y = py; y < h; y += 2) {
        for (let x = px; x < w; x += 2) {
          // (y, x) of the image is (y + r, x + r) of the padded array; kernel origin at (y, x).
          const base = y * pw + x;
          let s = 0;
          for (let t = 0; t < n; t++) s += wt[t] * padded[base + off[t]];
          out[3 * (y * w + x) + c] = s;
        }
      }
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Bilinear demosaicking (reflect boundary). Exact on constant images, and in the interior on
 * images linear in x and y.
 * @example
 * ```ts
 * const rgb = demosaicBilinear(remosaic(raw)); // 2H×2W×3
 * ```
 */
export function demosaicBilinear(m: Mosaic, file = "<raw>"): RgbImage {
  return applyDemosaicKernels(m, bilinearKernels(), file);
}

/**
 * Edge-aware demosaicking: Malvar–He–Cutler 2004 gradient-corrected bilinear interpolation
 * (5×5 kernels, reflect boundary). May overshoot [0, 1] slightly near edges; the pre-ISP clips.
 */
export function demosaicEdgeAware(m: Mosaic, file = "<raw>"): RgbImage {
  return applyDemosaicKernels(m, malvarKernels(), file);
}

/** The kernel table of a demosaicking method. */
export function demosaicKernels(method: DemosaicMethod): DemosaicKernels {
  return method === "bilinear" ? bilinearKernels() : malvarKernels();
}
