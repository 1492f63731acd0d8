/**
 * Semantic pseudo-pairing end to end: group patches into scenes, recover each scene's layout
 * from its RAW seams, stitch, describe scenes and patches, match scenes (image level) and then
 * patches within the matched scenes (patch level) → a sparse list of pseudo pairs.
 * @module
 */
import type { RawImage, RgbImage } from "../../../harness/types.ts";
import type { Embedder } from "../embed/embedder.ts";
import {
  DEFAULT_SOLVERS,
  pairScenes,
  type SceneMatch,
  type ScenePairingOptions,
  type SceneSolvers,
} from "./image_pairing.ts";
import { pairPatches, type PatchPairingOptions } from "./patch_pairing.ts";
import type { SparsePairs } from "./sparse.ts";
import {
  chooseLayout,
  groupScenes,
  type LayoutChoice,
  type LayoutOptions,
  rawSeamPlane,
  rgbSeamPlane,
  type SceneGroup,
  stitchRgb,
} from "./stitch.ts";

/** Inputs of {@link buildPseudoPairs}: everything already in memory. */
export interface PairingInputs {
  /** Source patch names (`<scene>_<index>`). */
  readonly srcNames: readonly string[];
  /** Source patches after the pre-ISP (2H×2W RGB). */
  readonly srcImages: readonly RgbImage[];
  /** Source RAW patches, for the layout seams (same order); RGB seams are used when absent. */
  readonly srcRaws?: readonly RawImage[];
  /** Target patch names. */
  readonly tgtNames: readonly string[];
  /** Target patches. */
  readonly tgtImages: readonly RgbImage[];
}

/** Options of {@link buildPseudoPairs}. */
export interface PseudoPairOptions {
  /** Image-level options (OT variant, top-K, weighting…). */
  readonly scene?: ScenePairingOptions;
  /** Patch-level options (ε, iterations, keep…). */
  readonly patch?: PatchPairingOptions;
  /** Layout search options (band, ambiguity margin). */
  readonly layout?: LayoutOptions;
  /** Longest side of a stitched scene before it is described (box-downscaled; default 512). */
  readonly maxSceneSide?: number;
  /** Extra solvers (e.g. the paper surrogate) keyed by variant. */
  readonly solvers?: SceneSolvers;
}

/** Everything the pairing found, for training and for the accuracy report. */
export interface PseudoPairing {
  /** Source scenes (items index the source patches). */
  readonly srcScenes: readonly SceneGroup[];
  /** Target scenes (items index the target patches). */
  readonly tgtScenes: readonly SceneGroup[];
  /** Layout chosen for each source scene. */
  readonly srcLayouts: readonly LayoutChoice[];
  /** Layout chosen for each target scene. */
  readonly tgtLayouts: readonly LayoutChoice[];
  /** Image-level match. */
  readonly sceneMatch: SceneMatch;
  /** Patch-level pseudo pairs (rows: source patches; indices: target patches). */
  readonly pairs: SparsePairs;
}

function stitchAll(
  scenes: readonly SceneGroup[],
  images: readonly RgbImage[],
  planes: (i: number) => ReturnType<typeof rawSeamPlane>,
  layoutOpts: LayoutOptions,
  maxSide: number,
): { stitched: RgbImage[]; layouts: LayoutChoice[] } {
  const stitched: RgbImage[] = [], layouts: LayoutChoice[] = [];
  for (const s of scenes) {
    const layout = chooseLayout(s.items.map(planes), layoutOpts, s.names);
    const t = images[s.items[0]];
    const side = Math.max(t.width * layout.cols, t.height * layout.rows);
    const downscale = Math.max(1, Math.min(Math.floor(side / maxSide), t.width, t.height));
    stitched.push(stitchRgb(s.items.map((i) => images[i]), layout, { downscale }, s.names));
    layouts.push(layout);
  }
  return { stitched, layouts };
}

/**
 * Builds pseudo pairs between source (pre-ISP'd RAW) patches and target RGB patches.
 *
 * @example
 * ```ts
 * const { pairs } = await buildPseudoPairs(inputs, createBuiltinEmbedder());
 * ```
 */
export async function buildPseudoPairs(
  inputs: PairingInputs,
  embedder: Embedder,
  opts: PseudoPairOptions = {},
): Promise<PseudoPairing> {
  const maxSide = opts.maxSceneSide ?? 512;
  const srcScenes = groupScenes(inputs.srcNames);
  const tgtScenes = groupScenes(inputs.tgtNames);
  const srcPlane = inputs.srcRaws
    ? (i: number) => rawSeamPlane(inputs.srcRaws![i])
    : (i: number) => rgbSeamPlane(inputs.srcImages[i]);
  const src = stitchAll(srcScenes, inputs.srcImages, srcPlane, opts.layout ?? {}, maxSide);
  const tgt = stitchAll(
    tgtScenes,
    inputs.tgtImages,
    (i) => rgbSeamPlane(inputs.tgtImages[i]),
    opts.layout ?? {},
    maxSide,
  );
  const scenes = (im: readonly RgbImage[]) =>
    embedder.embedScenes ? embedder.embedScenes(im) : embedder.embed(im);
  const srcSceneDesc = await scenes(src.stitched);
  const tgtSceneDesc = await scenes(tgt.stitched);
  const sceneMatch = pairScenes(srcSceneDesc, tgtSceneDesc, opts.scene, {
    ...DEFAULT_SOLVERS,
    ...opts.solvers,
  });
  const srcDesc = await embedder.embed(inputs.srcImages);
  const tgtDesc = await embedder.embed(inputs.tgtImages);
  const pairs = pairPatches(srcDesc, tgtDesc, srcScenes, tgtScenes, sceneMatch, opts.patch);
  return {
    srcScenes,
    tgtScenes,
    srcLayouts: src.layouts,
    tgtLayouts: tgt.layouts,
    sceneMatch,
    pairs,
  };
}
