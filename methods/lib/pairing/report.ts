/**
 * The pairing-accuracy report: the built-in embedder × each OT variant, and a random baseline
 * (analytic expectation and one seeded draw), measured against a fixture's hidden truth.
 * @module
 */
import type { RawImage, RgbImage, Sample } from "../../../harness/types.ts";
import type { Embedder } from "../embed/embedder.ts";
import { createBuiltinEmbedder } from "../embed/builtin.ts";
import { preIsp, type PreIspOptions } from "../isp/preisp.ts";
import {
  type PairingAccuracy,
  pairingAccuracy,
  randomAccuracyExpected,
  randomPairing,
} from "./accuracy.ts";
import { OT_VARIANTS, type OtVariant } from "./image_pairing.ts";
import { buildPseudoPairs, type PseudoPairOptions } from "./pseudo_pairs.ts";
import type { PairingTruth } from "./truth.ts";

/** One row of the report. */
export interface PairingReportRow extends PairingAccuracy {
  /** `builtin/sinkhorn`, `random (expected)`, … */
  readonly method: string;
  /** Wall time of the pairing (ms; 0 for the analytic row). */
  readonly ms: number;
}

/** Inputs and options of {@link runPairingReport}. */
export interface PairingReportOptions {
  /** Train RAW patches. */
  readonly raws: readonly Sample<RawImage>[];
  /** Train RGB patches. */
  readonly rgbs: readonly Sample<RgbImage>[];
  /** The fixture's pairing truth. */
  readonly truth: PairingTruth;
  /** Embedder (default: the built-in one). */
  readonly embedder?: Embedder;
  /** OT variants to measure (default: all). */
  readonly variants?: readonly OtVariant[];
  /** Pre-ISP options for the RAW side. */
  readonly preIsp?: PreIspOptions;
  /** Pairing options shared by all variants (the variant itself is set per row). */
  readonly pairing?: PseudoPairOptions;
  /** Seed of the random baseline draw. */
  readonly seed?: number;
  /** True tile layouts by scene (a fixture's `dataset.json` `tiles`), to score the stitching. */
  readonly tiles?: Readonly<Record<string, { rows: number; cols: number }>>;
}

/** Stitching accuracy against the true layouts. */
export interface LayoutReport {
  /** Scenes with a known layout. */
  readonly scenes: number;
  /** Of those, scenes whose chosen layout is right. */
  readonly correct: number;
  /** Scenes flagged ambiguous (margin < 5 %). */
  readonly ambiguous: number;
  /** Wrong layouts that were not flagged. */
  readonly wrongUnflagged: number;
}

/** The whole report. */
export interface PairingReport {
  /** One row per embedder × OT variant, then the random baseline. */
  readonly rows: PairingReportRow[];
  /** Layout recovery on the RAW and RGB scenes (when the true layouts are known). */
  readonly layouts?: { readonly raw: LayoutReport; readonly rgb: LayoutReport };
}

function layoutReport(
  scenes: readonly { scene: string }[],
  chosen: readonly { rows: number; cols: number; ambiguous: boolean }[],
  tiles: Readonly<Record<string, { rows: number; cols: number }>>,
): LayoutReport {
  let n = 0, correct = 0, ambiguous = 0, wrongUnflagged = 0;
  scenes.forEach((s, i) => {
    const t = tiles[s.scene];
    if (!t) return;
    n++;
    const ok = t.rows === chosen[i].rows && t.cols === chosen[i].cols;
    if (ok) correct++;
    if (chosen[i].ambiguous) ambiguous++;
    else if (!ok) wrongUnflagged++;
  });
  return { scenes: n, correct, ambiguous, wrongUnflagged };
}

/** Caches descriptors by image object, so the variants share one embedding pass of the patches. */
function memoised(e: Embedder): Embedder {
  const cache = new WeakMap<RgbImage, Float32Array>();
  return {
    name: e.name,
    dim: e.dim,
    async embed(images) {
      const missing = images.filter((im) => !cache.has(im));
      const got = missing.length > 0 ? await e.embed(missing) : [];
      missing.forEach((im, i) => cache.set(im, got[i]));
      return images.map((im) => cache.get(im)!);
    },
    dispose: () => e.dispose?.(),
  };
}

/**
 * Runs the report.
 *
 * @example
 * ```ts
 * const report = await runPairingReport({ raws, rgbs, truth });
 * console.log(formatPairingTable(report.rows));
 * ```
 */
export async function runPairingReport(o: PairingReportOptions): Promise<PairingReport> {
  const raws = await Promise.all(o.raws.map((s) => s.load()));
  const srcImages = raws.map((r, i) => preIsp(r, { ...o.preIsp, file: o.raws[i].name }));
  const tgtImages = await Promise.all(o.rgbs.map((s) => s.load()));
  const srcNames = o.raws.map((s) => s.name), tgtNames = o.rgbs.map((s) => s.name);
  const embedder = memoised(o.embedder ?? createBuiltinEmbedder());
  const rows: PairingReportRow[] = [];
  let shape: { k: number; keep: number; nS: number; nT: number } | undefined;
  let scenes: Awaited<ReturnType<typeof buildPseudoPairs>> | undefined;
  for (const ot of o.variants ?? OT_VARIANTS) {
    const t0 = performance.now();
    const p = await buildPseudoPairs(
      { srcNames, srcImages, srcRaws: raws, tgtNames, tgtImages },
      embedder,
      {
        ...o.pairing,
        scene: { ...o.pairing?.scene, ot },
      },
    );
    const ms = performance.now() - t0;
    scenes = p;
    const acc = pairingAccuracy(
      o.truth,
      p.srcScenes,
      p.tgtScenes,
      srcNames,
      tgtNames,
      p.sceneMatch,
      p.pairs,
    );
    rows.push({ method: `${embedder.name}/${ot}`, ms, ...acc });
    shape = {
      k: acc.k,
      keep: o.pairing?.patch?.keep ?? 8,
      nS: p.srcScenes.length,
      nT: p.tgtScenes.length,
    };
  }
  if (scenes && shape) {
    const exp = randomAccuracyExpected(
      o.truth,
      scenes.srcScenes,
      scenes.tgtScenes,
      srcNames,
      tgtNames,
      shape.k,
    );
    rows.push({ method: "random (expected)", ms: 0, ...exp });
    const r = randomPairing(
      shape.nS,
      shape.nT,
      srcNames.length,
      tgtNames.length,
      shape.k,
      shape.keep,
      o.seed ?? 42,
    );
    const acc = pairingAccuracy(
      o.truth,
      scenes.srcScenes,
      scenes.tgtScenes,
      srcNames,
      tgtNames,
      r.match,
      r.pairs,
    );
    rows.push({ method: `random (seed ${o.seed ?? 42})`, ms: 0, ...acc });
  }
  const layouts = o.tiles && scenes
    ? {
      raw: layoutReport(scenes.srcScenes, scenes.srcLayouts, o.tiles),
      rgb: layoutReport(scenes.tgtScenes, scenes.tgtLayouts, o.tiles),
    }
    : undefined;
  return { rows, layouts };
}

/**
 * Formats report rows as a Markdown table. With `iou: false` the top-1 IoU column shows "—" (no
 * train RAW patch overlaps an RGB patch of its photo, so IoU is 0 by construction).
 */
export function formatPairingTable(
  rows: readonly PairingReportRow[],
  opts: { readonly iou?: boolean } = {},
): string {
  const showIou = opts.iou ?? true;
  const pct = (v: number) => (100 * v).toFixed(1).padStart(6);
  const lines = [
    "| method | scenes | scene top-1 % | scene top-K % (K) | patches | patch top-1 % | patch weighted % | top-1 IoU % | ms |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.method} | ${r.scenes} | ${pct(r.sceneTop1)} | ${
        pct(r.sceneTopK)
      } (${r.k}) | ${r.patches} | ` +
        `${pct(r.patchTop1)} | ${pct(r.patchWeighted)} | ${
          showIou ? pct(r.patchTop1Iou) : "     —"
        } | ${r.ms.toFixed(0)} |`,
    );
  }
  return lines.join("\n");
}
