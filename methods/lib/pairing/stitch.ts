/**
 * Scene stitching (reference method §2): patches named `<scene>_<index>` are non-overlapping
 * row-major tiles of one scene. The tile layout is not stored anywhere, so it is recovered from the
 * pixels: the rows×cols factorisation whose seams are smoothest wins. Stitched scenes feed the
 * image-level matching, which sees global context that single patches lack.
 * @module
 */
import { InputError } from "../../../harness/errors.ts";
import { parsePatchName } from "../../../harness/io/dataset.ts";
import type { RawImage, RgbImage } from "../../../harness/types.ts";

/** A single-channel image used to score seams. */
export interface Plane {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `width * height` values, row-major. */
  readonly data: Float32Array;
}

/** One scene: its patch names in index order. */
export interface SceneGroup {
  /** Scene name (the `<scene>` part). */
  readonly scene: string;
  /** Patch names sorted by index. */
  readonly names: readonly string[];
  /** Positions of those patches in the input list, same order as `names`. */
  readonly items: readonly number[];
}

/** A tile layout and its seam score. */
export interface LayoutScore {
  /** Tile rows. */
  readonly rows: number;
  /** Tile columns. */
  readonly cols: number;
  /** Mean absolute difference across the seams (lower is smoother). */
  readonly score: number;
}

/** The chosen layout of a scene. */
export interface LayoutChoice extends LayoutScore {
  /** `(second − best) / second`: 0 when the runner-up ties, 1 when the best seams are perfect. */
  readonly margin: number;
  /** True when `margin` is below the threshold: the layout is a guess. */
  readonly ambiguous: boolean;
  /** Every candidate, best first. */
  readonly candidates: readonly LayoutScore[];
}

/** Options of {@link chooseLayout}. */
export interface LayoutOptions {
  /** Boundary rows/columns compared on each side of a seam (paper: 4). */
  readonly band?: number;
  /** Relative margin under which a layout is flagged ambiguous (paper: 0.05). */
  readonly minMargin?: number;
}

/**
 * Groups patch names by scene (`<scene>_<index>`), patches sorted by index, scenes sorted by name.
 * A name without an `_<index>` suffix is a scene of its own.
 *
 * @throws {InputError} when two patches of one scene share an index
 * @example
 * ```ts
 * groupScenes(["a_1", "b_0", "a_0"]); // [{scene:"a", names:["a_0","a_1"], items:[2,0]}, {scene:"b",…}]
 * ```
 */
export function groupScenes(names: readonly string[]): SceneGroup[] {
  const byScene = new Map<string, { index: number; name: string; item: number }[]>();
  names.forEach((name, item) => {
    const p = parsePatchName(name) ?? { scene: name, index: 0 };
    const list = byScene.get(p.scene) ?? [];
    list.push({ index: p.index, name, item });
    byScene.set(p.scene, list);
  });
  const scenes = [...byScene.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return scenes.map((scene) => {
    const list = byScene.get(scene)!.sort((a, b) => a.index - b.index);
    for (let i = 1; i < list.length; i++) {
      if (list[i].index === list[i - 1].index) {
        throw new InputError(list[i].name, `duplicate patch index ${list[i].index} in '${scene}'`);
      }
    }
    return { scene, names: list.map((e) => e.name), items: list.map((e) => e.item) };
  });
}

/** The seam plane of a packed RAW tile: (Gr + Gb) / 2, which all Bayer sites share. */
export function rawSeamPlane(raw: RawImage): Plane {
  const n = raw.width * raw.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.5 * (raw.data[4 * i + 1] + raw.data[4 * i + 2]);
  return { width: raw.width, height: raw.height, data: out };
}

/** The seam plane of an RGB tile: the channel mean. */
export function rgbSeamPlane(rgb: RgbImage): Plane {
  const n = rgb.width * rgb.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = (rgb.data[3 * i] + rgb.data[3 * i + 1] + rgb.data[3 * i + 2]) / 3;
  }
  return { width: rgb.width, height: rgb.height, data: out };
}

/** Sum of |a − b| over the `band` columns on each side of a vertical seam (mirrored pairs). */
function verticalSeam(left: Plane, right: Plane, band: number): number {
  const { width: w, height: h } = left;
  let s = 0;
  for (let y = 0; y < h; y++) {
    const rowL = y * w;
    const rowR = y * right.width;
    for (let k = 0; k < band; k++) {
      s += Math.abs(left.data[rowL + w - 1 - k] - right.data[rowR + k]);
    }
  }
  return s;
}

/** Sum of |a − b| over the `band` rows on each side of a horizontal seam (mirrored pairs). */
function horizontalSeam(top: Plane, bottom: Plane, band: number): number {
  const { width: w, height: h } = top;
  let s = 0;
  for (let k = 0; k < band; k++) {
    const a = (h - 1 - k) * w;
    const b = k * w;
    for (let x = 0; x < w; x++) s += Math.abs(top.data[a + x] - bottom.data[b + x]);
  }
  return s;
}

/**
 * Scores one layout: the mean absolute difference over all compared seam pixels of every pair of
 * adjacent tiles (row-major tile order).
 */
export function seamScore(tiles: readonly Plane[], rows: number, cols: number, band = 4): number {
  if (rows * cols !== tiles.length) throw new RangeError(`${rows}×${cols} ≠ ${tiles.length} tiles`);
  const { width: w, height: h } = tiles[0];
  const bw = Math.min(band, w);
  const bh = Math.min(band, h);
  let sum = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const t = tiles[r * cols + c];
      if (c + 1 < cols) {
        sum += verticalSeam(t, tiles[r * cols + c + 1], bw);
        count += h * bw;
      }
      if (r + 1 < rows) {
        sum += horizontalSeam(t, tiles[(r + 1) * cols + c], bh);
        count += w * bh;
      }
    }
  }
  return count > 0 ? sum / count : 0;
}

/**
 * Chooses the rows×cols layout of a scene's tiles by the lowest seam score, over every
 * factorisation of the tile count.
 *
 * @param tiles seam planes in patch-index order, all the same size
 * @param names patch names, for errors
 * @throws {InputError} when the tiles differ in size
 * @example
 * ```ts
 * const choice = chooseLayout(raws.map(rawSeamPlane));
 * if (choice.ambiguous) console.warn(`layout ${choice.rows}×${choice.cols} is a guess`);
 * ```
 */
export function chooseLayout(
  tiles: readonly Plane[],
  opts: LayoutOptions = {},
  names: readonly string[] = [],
): LayoutChoice {
  const band = opts.band ?? 4;
  const minMargin = opts.minMargin ?? 0.05;
  const n = tiles.length;
  if (n === 0) throw new RangeError("chooseLayout: no tiles");
  tiles.forEach((t, i) => {
    if (t.width !== tiles[0].width || t.height !== tiles[0].height) {
      throw new InputError(
        names[i] ?? `tile ${i}`,
        `tile size ${t.width}×${t.height} differs from ${tiles[0].width}×${tiles[0].height} ` +
          `of the first tile of its scene`,
      );
    }
  });
  const candidates: LayoutScore[] = [];
  for (let rows = 1; rows <= n; rows++) {
    if (n % rows !== 0) continue;
    const cols = n / rows;
    candidates.push({ rows, cols, score: seamScore(tiles, rows, cols, band) });
  }
  // Ties go to the squarer layout: a 1×n strip always has the fewest seams to get wrong.
  candidates.sort((a, b) =>
    a.score - b.score || Math.abs(a.rows - a.cols) - Math.abs(b.rows - b.cols)
  );
  const best = candidates[0];
  const second = candidates[1];
  const margin = second === undefined
    ? 1
    : second.score > 0
    ? (second.score - best.score) / second.score
    : 0;
  return { ...best, margin, ambiguous: second !== undefined && margin < minMargin, candidates };
}

/** Options of {@link stitchRgb}. */
export interface StitchOptions {
  /** Integer box-downscale applied to every tile before stitching (1 = full size). */
  readonly downscale?: number;
}

/**
 * Stitches RGB tiles (row-major, patch-index order) into one image, optionally box-downscaled so
 * that large scenes stay small in memory (the image-level descriptors work on thumbnails anyway).
 *
 * @throws {InputError} when a tile's size differs from the first tile's
 * @example
 * ```ts
 * const scene = stitchRgb(tiles, { rows: 2, cols: 7 }, { downscale: 4 });
 * ```
 */
export function stitchRgb(
  tiles: readonly RgbImage[],
  layout: { readonly rows: number; readonly cols: number },
  opts: StitchOptions = {},
  names: readonly string[] = [],
): RgbImage {
  const f = Math.max(1, Math.floor(opts.downscale ?? 1));
  const { rows, cols } = layout;
  if (rows * cols !== tiles.length) throw new RangeError(`${rows}×${cols} ≠ ${tiles.length} tiles`);
  const tw = Math.floor(tiles[0].width / f);
  const th = Math.floor(tiles[0].height / f);
  if (tw < 1 || th < 1) throw new RangeError(`downscale ${f} leaves an empty tile`);
  const width = tw * cols;
  const height = th * rows;
  const out = new Float32Array(width * height * 3);
  const inv = 1 / (f * f);
  tiles.forEach((t, i) => {
    if (t.width !== tiles[0].width || t.height !== tiles[0].height) {
      throw new InputError(
        names[i] ?? `tile ${i}`,
        `tile size ${t.width}×${t.height} differs from ${tiles[0].width}×${tiles[0].height}`,
      );
    }
    const ox = (i % cols) * tw;
    const oy = Math.floor(i / cols) * th;
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        let r = 0, g = 0, b = 0;
        for (let dy = 0; dy < f; dy++) {
          let p = ((y * f + dy) * t.width + x * f) * 3;
          for (let dx = 0; dx < f; dx++, p += 3) {
            r += t.data[p];
            g += t.data[p + 1];
            b += t.data[p + 2];
          }
        }
        const q = ((oy + y) * width + ox + x) * 3;
        out[q] = r * inv;
        out[q + 1] = g * inv;
        out[q + 2] = b * inv;
      }
    }
  });
  return { width, height, data: out };
}
