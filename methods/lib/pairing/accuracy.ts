/**
 * Pairing accuracy against known truth (fixtures only; the paper cannot measure it). A RAW scene's
 * true RGB scenes are those showing the same photo; a pseudo target patch is right when it shows
 * the same photo, and its spatial overlap (IoU of the patch rectangles in the photo) says how much
 * of the same content it holds.
 * @module
 */
import { createRng } from "../../../harness/random.ts";
import type { SceneMatch } from "./image_pairing.ts";
import type { SparsePairs } from "./sparse.ts";
import type { SceneGroup } from "./stitch.ts";
import type { PairingTruth, PatchRect } from "./truth.ts";

/** Pairing accuracy numbers (fractions in [0, 1]). */
export interface PairingAccuracy {
  /** Source scenes that have at least one true target scene (the denominator below). */
  readonly scenes: number;
  /** Image level: the best target scene shows the same photo. */
  readonly sceneTop1: number;
  /** Image level: a true target scene is among the kept top-K. */
  readonly sceneTopK: number;
  /** K of `sceneTopK`. */
  readonly k: number;
  /** Source patches with at least one true target patch. */
  readonly patches: number;
  /** Patch level: the heaviest pseudo target shows the same photo. */
  readonly patchTop1: number;
  /** Patch level: total pseudo-pair weight on same-photo targets. */
  readonly patchWeighted: number;
  /** Mean IoU between a source patch and its heaviest pseudo target (0 across photos). */
  readonly patchTop1Iou: number;
}

function iou(a: PatchRect, b: PatchRect): number {
  if (a.photo !== b.photo) return 0;
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/**
 * Whether any source patch overlaps a target patch of the same photo. When none does (the
 * fixtures cut RAW and RGB train patches from disjoint regions unless built with `--overlap`),
 * every top-1 IoU is 0 by construction and the number says nothing about the pairing.
 * @example
 * ```ts
 * rawRgbOverlap(truth, ["a_0"], ["b_0"]); // false for disjoint crops
 * ```
 */
export function rawRgbOverlap(
  truth: PairingTruth,
  srcNames: readonly string[],
  tgtNames: readonly string[],
): boolean {
  const byPhoto = new Map<string, PatchRect[]>();
  for (const n of tgtNames) {
    const r = truth.patches[n];
    if (r) byPhoto.set(r.photo, [...(byPhoto.get(r.photo) ?? []), r]);
  }
  return srcNames.some((n) => {
    const r = truth.patches[n];
    return r !== undefined && (byPhoto.get(r.photo) ?? []).some((t) => iou(r, t) > 0);
  });
}

/** Truth lookups shared by the measured and the random accuracies. */
interface TruthView {
  srcScenePhoto: (string | undefined)[];
  tgtScenePhoto: (string | undefined)[];
  srcRect: (PatchRect | undefined)[];
  tgtRect: (PatchRect | undefined)[];
}

function view(
  truth: PairingTruth,
  srcScenes: readonly SceneGroup[],
  tgtScenes: readonly SceneGroup[],
  srcNames: readonly string[],
  tgtNames: readonly string[],
): TruthView {
  return {
    srcScenePhoto: srcScenes.map((s) => truth.rawScenes[s.scene]),
    tgtScenePhoto: tgtScenes.map((s) => truth.rgbScenes[s.scene]),
    srcRect: srcNames.map((n) => truth.patches[n]),
    tgtRect: tgtNames.map((n) => truth.patches[n]),
  };
}

/**
 * Measures a pairing against the truth.
 *
 * @example
 * ```ts
 * const acc = pairingAccuracy(truth, p.srcScenes, p.tgtScenes, rawNames, rgbNames, p.sceneMatch, p.pairs);
 * console.log(acc.sceneTop1, acc.patchTop1);
 * ```
 */
export function pairingAccuracy(
  truth: PairingTruth,
  srcScenes: readonly SceneGroup[],
  tgtScenes: readonly SceneGroup[],
  srcNames: readonly string[],
  tgtNames: readonly string[],
  match: Pick<SceneMatch, "top">,
  pairs: SparsePairs,
): PairingAccuracy {
  const v = view(truth, srcScenes, tgtScenes, srcNames, tgtNames);
  let scenes = 0, top1 = 0, topk = 0, k = 0;
  srcScenes.forEach((_, s) => {
    const photo = v.srcScenePhoto[s];
    if (photo === undefined || !v.tgtScenePhoto.includes(photo)) return;
    scenes++;
    const top = match.top[s];
    k = Math.max(k, top.length);
    if (v.tgtScenePhoto[top[0]] === photo) top1++;
    if (Array.from(top).some((t) => v.tgtScenePhoto[t] === photo)) topk++;
  });
  const tgtPhotos = new Set(v.tgtRect.map((r) => r?.photo));
  let patches = 0, p1 = 0, pw = 0, piou = 0;
  for (let i = 0; i < pairs.rows; i++) {
    const r = v.srcRect[i];
    if (r === undefined || !tgtPhotos.has(r.photo)) continue;
    patches++;
    const start = pairs.indptr[i], end = pairs.indptr[i + 1];
    if (end === start) continue;
    let best = start;
    for (let e = start; e < end; e++) {
      const t = v.tgtRect[pairs.indices[e]];
      if (t?.photo === r.photo) pw += pairs.weights[e];
      if (pairs.weights[e] > pairs.weights[best]) best = e;
    }
    const t = v.tgtRect[pairs.indices[best]];
    if (t?.photo === r.photo) {
      p1++;
      piou += iou(r, t);
    }
  }
  const f = (a: number, b: number) => (b > 0 ? a / b : 0);
  return {
    scenes,
    sceneTop1: f(top1, scenes),
    sceneTopK: f(topk, scenes),
    k,
    patches,
    patchTop1: f(p1, patches),
    patchWeighted: f(pw, patches),
    patchTop1Iou: f(piou, patches),
  };
}

/** C(n, k) ratio C(n−t, k) / C(n, k): probability that k uniform draws miss all t true items. */
function missAll(n: number, t: number, k: number): number {
  let p = 1;
  for (let i = 0; i < k; i++) p *= Math.max(0, n - t - i) / (n - i);
  return p;
}

/**
 * The analytic expectation of {@link pairingAccuracy} for a pairing that picks target scenes
 * (K of them, without replacement) and each patch's heaviest target uniformly at random.
 */
export function randomAccuracyExpected(
  truth: PairingTruth,
  srcScenes: readonly SceneGroup[],
  tgtScenes: readonly SceneGroup[],
  srcNames: readonly string[],
  tgtNames: readonly string[],
  k: number,
): PairingAccuracy {
  const v = view(truth, srcScenes, tgtScenes, srcNames, tgtNames);
  const nT = tgtScenes.length;
  let scenes = 0, top1 = 0, topk = 0;
  srcScenes.forEach((_, s) => {
    const photo = v.srcScenePhoto[s];
    const t = v.tgtScenePhoto.filter((p) => p === photo).length;
    if (photo === undefined || t === 0) return;
    scenes++;
    top1 += t / nT;
    topk += 1 - missAll(nT, t, Math.min(k, nT));
  });
  let patches = 0, p1 = 0, piou = 0;
  const tgtPhotos = new Set(v.tgtRect.map((r) => r?.photo));
  v.srcRect.forEach((r) => {
    if (r === undefined || !tgtPhotos.has(r.photo)) return;
    patches++;
    let same = 0, io = 0;
    for (const t of v.tgtRect) {
      if (t?.photo === r.photo) {
        same++;
        io += iou(r, t);
      }
    }
    p1 += same / v.tgtRect.length;
    piou += io / v.tgtRect.length;
  });
  const f = (a: number, b: number) => (b > 0 ? a / b : 0);
  return {
    scenes,
    sceneTop1: f(top1, scenes),
    sceneTopK: f(topk, scenes),
    k: Math.min(k, nT),
    patches,
    patchTop1: f(p1, patches),
    patchWeighted: f(p1, patches),
    patchTop1Iou: f(piou, patches),
  };
}

/**
 * A seeded random pairing with the same shape as a real one: K random target scenes per source
 * scene, and per source patch `keep` random target patches with random weights.
 */
export function randomPairing(
  nSrcScenes: number,
  nTgtScenes: number,
  nSrcPatches: number,
  nTgtPatches: number,
  k: number,
  keep: number,
  seed: number,
): { match: Pick<SceneMatch, "top">; pairs: SparsePairs } {
  const rng = createRng(seed);
  const pick = (n: number, m: number) => {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < Math.min(m, n); i++) {
      const j = i + rng.int(n - i);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a.slice(0, Math.min(m, n));
  };
  const top = Array.from({ length: nSrcScenes }, () => Int32Array.from(pick(nTgtScenes, k)));
  const kk = Math.min(keep, nTgtPatches);
  const indptr = new Uint32Array(nSrcPatches + 1);
  const indices = new Uint32Array(nSrcPatches * kk);
  const weights = new Float64Array(nSrcPatches * kk);
  for (let i = 0; i < nSrcPatches; i++) {
    indptr[i + 1] = (i + 1) * kk;
    const js = pick(nTgtPatches, kk);
    const ws = js.map(() => rng.next() + 1e-9);
    const z = ws.reduce((s, w) => s + w, 0);
    js.forEach((j, e) => {
      indices[i * kk + e] = j;
      weights[i * kk + e] = ws[e] / z;
    });
  }
  return {
    match: { top },
    pairs: { rows: nSrcPatches, cols: nTgtPatches, indptr, indices, weights },
  };
}
