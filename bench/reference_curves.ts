/**
 * Learning curves and ablations of the colour-CNN methods on the fixtures' VAL phase (never the
 * hidden test phase: every default and profile of the reference method is chosen with this
 * script). Trains one method with the given options and, at step 0 and every `--every` steps,
 * renders the val RAWs, quantises to 8 bits and prints the mean PSNR, SSIM and ΔE2000, the loss
 * and the weight norms (head deviation from identity, RMS of the residual branch's convs).
 *
 * ```sh
 * deno task bench:curves --every 100 --opt lr=0.003 --opt lrSchedule=cosine
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { buildFixtures, fixturesDir } from "../fixtures/build.ts";
import { openDataset } from "../harness/io/dataset.ts";
import { quantize } from "../harness/io/image.ts";
import type { MethodContext } from "../harness/method.ts";
import type { RgbImage } from "../harness/types.ts";
import { deltaE2000 } from "../metrics/ciede2000.ts";
import { psnr } from "../metrics/psnr.ts";
import { ssim } from "../metrics/ssim.ts";
import { classicalMethod } from "../methods/classical.ts";
import type { CnnWeights } from "../methods/lib/cnn/weights.ts";
import {
  CNN_FAST_PROFILE,
  CNN_OPTIONS,
  CNN_PAPER_PROFILE,
  colorCnnModel,
  loadAll,
  preIspAll,
  readCnnOptions,
  trainOnSampler,
} from "../methods/lib/cnn_method.ts";
import { alignedSampler, type BatchSampler, uniformSampler } from "../methods/lib/train_data.ts";
import {
  PAPER_PROFILE as SEMANTIC_PAPER_PROFILE,
  semanticPairingMethod,
  semanticPairingSampler,
} from "../methods/semantic_pairing.ts";

const USAGE = `Usage: deno task bench:curves [options]

Trains one colour-CNN method on the fixtures and prints val PSNR / SSIM / ΔE2000, the loss and the
weight norms at step 0 and every --every steps (JSON lines). Val only: never the test phase.

Options:
  --method M       semantic-pairing (default), cnn-unpaired or oracle-paired
  --profile P      fast (default) or paper
  --opt key=value  a method option (repeatable)
  --every N        checkpoint period in steps (default 0: step 0 and the end)
  --dataset DIR    fixture dataset (default: build/reuse the small fixtures, seed 0)
  --seed N         method seed (default 0)
  --json FILE      also write the rows here
  --classical      also score the classical method
  --help           this text
`;

function fail(message: string): never {
  console.error(`error: ${message}`);
  Deno.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    args: Deno.args,
    options: {
      method: { type: "string", default: "semantic-pairing" },
      profile: { type: "string", default: "fast" },
      opt: { type: "string", multiple: true, default: [] },
      every: { type: "string", default: "0" },
      dataset: { type: "string" },
      seed: { type: "string", default: "0" },
      json: { type: "string" },
      classical: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
} catch (e) {
  fail((e as Error).message);
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (!["semantic-pairing", "cnn-unpaired", "oracle-paired"].includes(values.method)) {
  fail(
    `--method: expected semantic-pairing, cnn-unpaired or oracle-paired, got '${values.method}'`,
  );
}
if (!["fast", "paper"].includes(values.profile)) {
  fail(`--profile: expected fast or paper, got '${values.profile}'`);
}
for (const [k, v] of [["--every", values.every], ["--seed", values.seed]] as const) {
  if (!(Number.isInteger(Number(v)) && Number(v) >= 0)) {
    fail(`${k}: expected a whole number ≥ 0, got '${v}'`);
  }
}

const root = values.dataset ?? fixturesDir("small", 0);
if (!values.dataset) await buildFixtures({ out: root, preset: "small", seed: 0 });
const ds = await openDataset(root);
const profiles: Record<string, Readonly<Record<string, number | string | boolean>>> = {
  fast: CNN_FAST_PROFILE,
  paper: values.method === "semantic-pairing" ? SEMANTIC_PAPER_PROFILE : CNN_PAPER_PROFILE,
};
const profile = profiles[values.profile];
const specs = { ...CNN_OPTIONS, ...semanticPairingMethod.options };
const options: Record<string, number | string | boolean> = { ...profile };
for (const kv of values.opt) {
  const [k, v] = kv.split("=");
  const spec = specs[k];
  if (!spec || v === undefined) fail(`--opt: '${kv}' is not key=value with a known option`);
  options[k] = spec.type === "number" ? Number(v) : spec.type === "boolean" ? v === "true" : v;
}
const ctx: MethodContext = {
  seed: Number(values.seed),
  device: "cpu",
  options: Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, options[k] ?? s.default])),
  workDir: await Deno.makeTempDir(),
  progress: () => {},
  log: (m) => console.error(`  ${m}`),
};

const val: { raw: Awaited<ReturnType<typeof ds.val.raws[0]["load"]>>; gt: RgbImage }[] = [];
for (const r of ds.val.raws) {
  const t = ds.val.targets.get(r.name);
  if (t) val.push({ raw: await r.load(), gt: await t.load() });
}

function eightBit(img: RgbImage): RgbImage {
  const q = quantize(img, 8);
  return { width: img.width, height: img.height, data: Float32Array.from(q, (v) => v / 255) };
}

async function score(render: (raw: typeof val[0]["raw"]) => Promise<RgbImage>) {
  let p = 0, s = 0, de = 0;
  for (const { raw, gt } of val) {
    const pred = eightBit(await render(raw));
    p += psnr(pred, gt), s += ssim(pred, gt), de += deltaE2000(pred, gt);
  }
  const n = val.length;
  return { psnr: p / n, ssim: s / n, deltaE2000: de / n };
}

const rms = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
function norms(w: CnnWeights) {
  let dev = 0;
  for (let i = 0; i < 9; i++) dev += (w.wh[i] - (i % 4 === 0 ? 1 : 0)) ** 2;
  return {
    head: Array.from(w.wh, (v) => +v.toFixed(3)),
    headDevFromIdentity: Math.sqrt(dev),
    w1Rms: rms(w.w1),
    w2Rms: rms(w.w2),
  };
}

const rows: Record<string, unknown>[] = [];
if (values.classical) {
  const m = await classicalMethod.train({ raws: [], rgbs: [] }, { ...ctx, options: {} });
  const r = { label: "classical", ...(await score((raw) => m.render(raw))) };
  console.log(JSON.stringify(r));
  rows.push(r);
}
const o = readCnnOptions(ctx.options);
const t0 = performance.now();
let sampler: BatchSampler;
if (values.method === "semantic-pairing") {
  sampler = (await semanticPairingSampler(ds.train, ctx)).sampler;
} else {
  const src = await preIspAll(ds.train.raws, o.preIsp, ctx, o.denoise);
  const so = { batchSize: o.batchSize, crop: o.crop, seed: ctx.seed };
  if (values.method === "cnn-unpaired") {
    sampler = uniformSampler(src.images, await loadAll(ds.train.rgbs), so);
  } else {
    const truths: RgbImage[] = [];
    for (const r of ds.train.raws) truths.push(await ds.trainTruth.get(r.name)!.load());
    sampler = alignedSampler(src.images, truths, so);
  }
}
const checkpoints: { step: number; w: CnnWeights }[] = [];
let lastLoss = NaN;
const losses = new Map<number, number>();
const weights = await trainOnSampler(sampler, o, ctx, values.method, {
  checkpointEvery: Number(values.every),
  onCheckpoint: (step, w) => checkpoints.push({ step, w }),
  onLoss: (step, t) => {
    lastLoss = t.total;
    losses.set(step, t.total);
  },
});
const trainSeconds = (performance.now() - t0) / 1000;
// step 0 runs return the start without checkpoints; without --every only step 0 was recorded
if (o.stepZero) checkpoints.push({ step: 0, w: weights });
else if (Number(values.every) <= 0) checkpoints.push({ step: -1, w: weights }); // -1: final
for (const c of checkpoints) {
  const model = colorCnnModel(c.w, o);
  // mean loss of the 10 steps before the checkpoint (the batch loss itself is noisy)
  let sum = 0, k = 0;
  for (let s = c.step - 9; s <= c.step; s++) {
    if (losses.has(s)) sum += losses.get(s)!, k++;
  }
  const r = {
    label: values.method,
    step: c.step,
    loss: k ? sum / k : null,
    ...(await score((raw) => model.render(raw))),
    ...norms(c.w),
  };
  console.log(JSON.stringify(r));
  rows.push(r);
}
console.log(JSON.stringify({ trainSeconds, lastLoss, options }));
if (values.json) {
  await Deno.writeTextFile(values.json, JSON.stringify({ options, trainSeconds, rows }, null, 2));
}
