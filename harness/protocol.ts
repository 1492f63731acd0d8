/**
 * The benchmark protocol. For each method × seed: train on the dataset's unpaired train split
 * (true pairs only for `usesTruth` upper bounds), render every scored phase (`val`: public
 * targets; `test`: hidden targets), write predictions to `<out>/<run>/pred/<phase>/<stem>.png`,
 * score them (targets are read only by the scorer and never written or printed), bootstrap the
 * means, and store each (method, phase, seed) as one run. A method that throws or emits NaN/∞ is
 * recorded as failed and the protocol goes on; finished runs with the same key are not redone.
 * @module
 */
import { join } from "node:path";
import { InputError } from "./errors.ts";
import { writePng } from "./io/image.ts";
import type { Dataset, PairedSplit } from "./io/dataset.ts";
import type { Device, Method, MethodContext, Model, RenderedImage, TrainSplit } from "./method.ts";
import { createProgress, type Progress } from "./progress.ts";
import { datasetFingerprint } from "./protocol/fingerprint.ts";
import { scorePredictions } from "./protocol/scorer.ts";
import type { OptionValues } from "./registry.ts";
import { summarize } from "./score.ts";
import type { BootstrapOptions } from "./stats/bootstrap.ts";
import {
  canonicalOptions,
  findDoneRun,
  type RunKey,
  type RunRecord,
  saveRun,
  startRun,
} from "./store/results.ts";
import type { Db } from "./store/types.ts";
import type { RawImage, RgbImage, Sample } from "./types.ts";

/** A scored phase. */
export type Phase = "val" | "test";

/** One method to run, with its resolved option values. */
export interface PlannedMethod {
  /** The method. */
  readonly method: Method;
  /** Full option values (defaults filled in). */
  readonly options: OptionValues;
}

/** Inputs of {@link runProtocol}. */
export interface ProtocolOptions {
  /** The opened dataset. */
  readonly dataset: Dataset;
  /** Methods with their options. */
  readonly methods: readonly PlannedMethod[];
  /** Seeds (default `[0]`). */
  readonly seeds?: readonly number[];
  /** Migrated results database. */
  readonly db: Db;
  /** Output folder: run folders `<out>/<run>/pred/<phase>/` go here. */
  readonly outDir: string;
  /** Device handed to methods (default `auto`). */
  readonly device?: Device;
  /** Phases to score (default both; a phase without targets is skipped). */
  readonly phases?: readonly Phase[];
  /** Short dataset name stored with runs (default: `dataset.json` name or the folder). */
  readonly datasetId?: string;
  /** Precomputed dataset fingerprint (default: computed from the folder). */
  readonly datasetHash?: string;
  /** Bootstrap settings of the per-run intervals. */
  readonly bootstrap?: BootstrapOptions;
  /** Line logger (default: stderr). */
  readonly log?: (line: string) => void;
  /**
   * Progress display: bars on stderr when it is a terminal, otherwise a log line per step
   * (default true); false prints neither.
   */
  readonly progress?: boolean;
  /** Aborts between images. */
  readonly signal?: AbortSignal;
  /**
   * Folder to write each trained model to as ONNX (`<run name>.onnx`, where the method supports
   * export). A finished run whose file is missing is retrained (same seed, same model) to write
   * it; its scores are not redone.
   */
  readonly exportOnnx?: string;
}

/** A model written by `exportOnnx`. */
export interface ExportedModel {
  /** Method name. */
  readonly method: string;
  /** Seed. */
  readonly seed: number;
  /** The `.onnx` file, or undefined when the method has no ONNX export. */
  readonly path?: string;
}

/** What happened to one (method, phase, seed). */
export interface ProtocolOutcome {
  /** Method name. */
  readonly method: string;
  /** Phase. */
  readonly phase: Phase;
  /** Seed. */
  readonly seed: number;
  /** `done` (new), `resumed` (found finished in the store) or `failed`. */
  readonly status: "done" | "resumed" | "failed";
  /** The stored run. */
  readonly run: RunRecord;
}

/** Result of {@link runProtocol}. */
export interface ProtocolResult {
  /** Fingerprint of the dataset used. */
  readonly datasetHash: string;
  /** Phases that had targets and were scored. */
  readonly phases: readonly Phase[];
  /** One outcome per method × seed × phase. */
  readonly outcomes: readonly ProtocolOutcome[];
  /** Models written (or found already written) with `exportOnnx`. */
  readonly exported: readonly ExportedModel[];
}

const enc = new TextEncoder();
const stderrLine = (line: string) => Deno.stderr.writeSync(enc.encode(line + "\n"));

async function shortHash(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", enc.encode(text));
  return Array.from(new Uint8Array(d).slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** Checks a rendered image: size 2H×2W and every value finite. */
export function checkRendered(name: string, raw: RawImage, out: RgbImage): void {
  if (out.width !== 2 * raw.width || out.height !== 2 * raw.height) {
    throw new InputError(
      name,
      `rendered ${out.width}×${out.height}, expected ${2 * raw.width}×${2 * raw.height}`,
    );
  }
  if (out.data.length !== out.width * out.height * 3) {
    throw new InputError(name, `rendered data has ${out.data.length} values`);
  }
  for (let i = 0; i < out.data.length; i++) {
    if (!Number.isFinite(out.data[i])) {
      throw new InputError(name, `output value ${i} is ${out.data[i]} (NaN/∞ in the rendering)`);
    }
  }
}

/**
 * The method's `ctx.progress`: bars keyed by label on a terminal; elsewhere one log line when a
 * labelled step completes.
 */
function progressSink(enabled: boolean, prefix: string, log: (line: string) => void) {
  const bars = new Map<string, Progress>();
  return (label: string, done: number, total: number) => {
    if (!enabled) {
      if (done >= total) log(`${prefix}: ${label} ${done}/${total}`);
      return;
    }
    let bar = bars.get(label);
    if (!bar) bars.set(label, bar = createProgress(`${prefix} ${label}`, total));
    bar.update(done);
    if (done >= total) {
      bar.finish();
      bars.delete(label);
    }
  };
}

/**
 * Runs the protocol and stores every run. Never throws for a method's failure (it is recorded);
 * throws only for store or dataset errors.
 *
 * @example
 * ```ts
 * const db = await openResultsDb("out/results.sqlite");
 * const e = getMethod("classical");
 * await runProtocol({ dataset: await openDataset(dir), db, outDir: "out",
 *   methods: [{ method: e.method, options: resolveOptions(e.method) }] });
 * ```
 */
export async function runProtocol(opts: ProtocolOptions): Promise<ProtocolResult> {
  const log = opts.log ?? stderrLine;
  const ds = opts.dataset;
  const datasetHash = opts.datasetHash ?? await datasetFingerprint(ds.root);
  const datasetId = opts.datasetId ??
    (typeof ds.meta.name === "string" ? ds.meta.name : ds.root.split(/[\\/]/).pop() ?? ds.root);
  const splits: Record<Phase, PairedSplit> = { val: ds.val, test: ds.test };
  const phases: Phase[] = [];
  for (const phase of opts.phases ?? ["val", "test"]) {
    const s = splits[phase];
    const scored = s.raws.filter((r) => s.targets.has(r.name)).length;
    if (s.raws.length === 0) log(`phase ${phase}: no RAW inputs, skipped`);
    else if (scored === 0) log(`phase ${phase}: no targets here, not scored`);
    else phases.push(phase);
  }
  const outcomes: ProtocolOutcome[] = [];
  if (phases.length === 0) {
    log("no phase has targets: nothing to score, no method trained");
    return { datasetHash, phases, outcomes, exported: [] };
  }
  const exported: ExportedModel[] = [];
  const bars = opts.progress !== false && Deno.stderr.isTerminal();
  for (const { method, options } of opts.methods) {
    for (const seed of opts.seeds ?? [0]) {
      outcomes.push(
        ...await runOne(
          { ...opts, log, datasetHash, datasetId, phases, splits, bars, exported },
          method,
          options,
          seed,
        ),
      );
    }
  }
  return { datasetHash, phases, outcomes, exported };
}

interface RunContext extends ProtocolOptions {
  readonly log: (line: string) => void;
  readonly datasetHash: string;
  readonly datasetId: string;
  readonly phases: readonly Phase[];
  readonly splits: Record<Phase, PairedSplit>;
  readonly bars: boolean;
  readonly exported: ExportedModel[];
}

async function runOne(
  rc: RunContext,
  method: Method,
  options: OptionValues,
  seed: number,
): Promise<ProtocolOutcome[]> {
  const { log, db } = rc;
  const out: ProtocolOutcome[] = [];
  const pending: { phase: Phase; run: RunRecord }[] = [];
  const tag = `${method.name} seed ${seed}`;
  for (const phase of rc.phases) {
    const key: RunKey = { method: method.name, phase, seed, options, datasetHash: rc.datasetHash };
    const done = await findDoneRun(db, key);
    if (done) out.push({ method: method.name, phase, seed, status: "resumed", run: done });
    else pending.push({ phase, run: await startRun(db, { ...key, datasetId: rc.datasetId }) });
  }
  const runName = `${method.name}-seed${seed}-${await shortHash(
    canonicalOptions(options) + rc.datasetHash,
  )}`;
  const exportPath = rc.exportOnnx ? join(rc.exportOnnx, `${runName}.onnx`) : undefined;
  const exportMissing = exportPath !== undefined &&
    !(await Deno.stat(exportPath).then((s) => s.isFile, () => false));
  if (exportPath && !exportMissing) {
    rc.exported.push({ method: method.name, seed, path: exportPath });
  }
  if (pending.length === 0 && !exportMissing) {
    log(`${tag}: finished runs found in the store, not redone`);
    return out;
  }
  const runDir = join(rc.outDir, runName);
  const workDir = join(runDir, "work");
  await Deno.mkdir(workDir, { recursive: true });
  const info = {
    name: method.name,
    description: method.description,
    params: method.params,
    usesTruth: method.usesTruth === true,
    optionSpec: method.options as unknown as Record<string, unknown>,
  };
  const fail = async (p: { phase: Phase; run: RunRecord }, e: unknown, wallMs: number) => {
    const error = errorText(e);
    log(`${tag} ${p.phase}: FAILED: ${error}`);
    const run = await saveRun(db, {
      run: { ...p.run, error, wallMs, usesTruth: info.usesTruth },
      method: info,
    });
    out.push({ method: method.name, phase: p.phase, seed, status: "failed", run });
  };

  const t0 = performance.now();
  let model: Model | undefined;
  try {
    const ds = rc.dataset;
    const split: TrainSplit = method.usesTruth
      ? { raws: ds.train.raws, rgbs: ds.train.rgbs, truth: ds.trainTruth }
      : { raws: ds.train.raws, rgbs: ds.train.rgbs };
    if (method.usesTruth && ds.trainTruth.size === 0) {
      throw new InputError(ds.root, "upper-bound method needs hidden/train/rgb (true pairs)");
    }
    const ctx: MethodContext = {
      seed,
      device: rc.device ?? "auto",
      options,
      workDir,
      progress: progressSink(rc.bars, tag, log),
      log: (m) => log(`${tag}: ${m}`),
      signal: rc.signal,
    };
    log(`${tag}: training on ${split.raws.length} RAW + ${split.rgbs.length} RGB patches`);
    model = await method.train(split, ctx);
  } catch (e) {
    const wall = performance.now() - t0;
    for (const p of pending) await fail(p, e, wall);
    return out;
  }
  const trainMs = performance.now() - t0;
  try {
    if (exportPath && exportMissing) {
      if (model.exportOnnx) {
        try {
          await Deno.mkdir(rc.exportOnnx!, { recursive: true });
          await model.exportOnnx(exportPath);
          // The manifest the `onnx` method and model submissions read, beside the model.
          const manifest = {
            name: `${method.name}-seed${seed}`,
            description: method.description,
            input: "raw",
            params: model.params,
          };
          await Deno.writeTextFile(
            exportPath.replace(/\.onnx$/, ".json"),
            JSON.stringify(manifest, null, 2) + "\n",
          );
          log(`${tag}: model written to ${exportPath} (+ manifest .json)`);
          rc.exported.push({ method: method.name, seed, path: exportPath });
        } catch (e) {
          // The scores do not depend on the export: record it and go on.
          log(`${tag}: ONNX export failed: ${errorText(e)}`);
          rc.exported.push({ method: method.name, seed });
        }
      } else {
        log(`${tag}: no ONNX export for this method`);
        rc.exported.push({ method: method.name, seed });
      }
    }
    for (const p of pending) {
      const t1 = performance.now();
      try {
        const r = await renderAndScore(rc, model, p.phase, join(runDir, "pred", p.phase), tag);
        const summary = summarize(r.scores, { ...rc.bootstrap, pixels: r.pixels });
        const run = await saveRun(db, {
          run: {
            ...p.run,
            params: model.params,
            usesTruth: info.usesTruth,
            trainMs,
            wallMs: trainMs + performance.now() - t1,
            msPerMegapixel: r.msPerMegapixel,
          },
          scores: r.scores,
          aggregate: {
            psnr: summary.psnr,
            ssim: summary.ssim,
            deltaE2000: summary.deltaE2000,
            psnrPooled: summary.psnrPooled,
          },
          // The trained model knows its size (e.g. counted from the ONNX a program wrote).
          method: { ...info, params: model.params },
        });
        log(
          `${tag} ${p.phase}: PSNR ${summary.psnr.mean.toFixed(3)} dB, SSIM ${
            summary.ssim.mean.toFixed(4)
          }, ΔE2000 ${summary.deltaE2000.mean.toFixed(3)} over ${r.scores.length} images`,
        );
        out.push({ method: method.name, phase: p.phase, seed, status: "done", run });
      } catch (e) {
        await fail(p, e, trainMs + performance.now() - t1);
      }
    }
  } finally {
    await model.dispose?.();
  }
  return out;
}

/**
 * The model's renderings of `inputs`, one image at a time, each with its rendering time (whole
 * batches when the model has them: then the time of producing each image, program included).
 */
async function* rendered(
  model: Model,
  inputs: readonly Sample<RawImage>[],
  phase: Phase,
  signal?: AbortSignal,
): AsyncIterable<RenderedImage & { ms: number }> {
  if (model.renderBatch) {
    let t = performance.now();
    for await (const r of model.renderBatch(inputs, { label: phase, signal })) {
      yield { ...r, ms: performance.now() - t };
      t = performance.now();
    }
    return;
  }
  for (const s of inputs) {
    signal?.throwIfAborted();
    const raw = await s.load();
    const t = performance.now();
    const rgb = await model.render(raw, s.name);
    yield { name: s.name, raw, rgb, ms: performance.now() - t };
  }
}

async function renderAndScore(
  rc: RunContext,
  model: Model,
  phase: Phase,
  predDir: string,
  tag: string,
) {
  const split = rc.splits[phase];
  const inputs = split.raws.filter((r) => split.targets.has(r.name));
  // Stale files from an earlier attempt must not be scored.
  await Deno.remove(predDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(predDir, { recursive: true });
  const quiet = !rc.bars;
  const bar = createProgress(`${tag} render ${phase}`, inputs.length, { quiet });
  let renderMs = 0;
  let megapixels = 0;
  let i = 0;
  for await (const { name, raw, rgb, ms } of rendered(model, inputs, phase, rc.signal)) {
    renderMs += ms;
    checkRendered(name, raw, rgb);
    megapixels += (rgb.width * rgb.height) / 1e6;
    await writePng(join(predDir, `${name}.png`), rgb);
    bar.update(++i, name);
  }
  bar.finish();
  if (quiet && rc.progress !== false) {
    rc.log(`${tag} ${phase}: rendered ${inputs.length} images (${renderMs.toFixed(0)} ms)`);
  }
  const sbar = createProgress(`${tag} score ${phase}`, inputs.length, { quiet });
  const names = inputs.map((s) => s.name);
  const r = await scorePredictions(predDir, names, split.targets, (n) => sbar.update(n));
  sbar.finish();
  return { ...r, msPerMegapixel: renderMs / megapixels };
}
