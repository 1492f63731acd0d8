/**
 * End-to-end check of the reference method (issue 4 item 8): on the fixtures' `small` preset,
 * train `semantic-pairing` with the fast CPU profile, render the validation RAWs, quantise to
 * 8 bits as a submission would be, and score PSNR and ΔE2000 against the targets — next to
 * `classical` (the floor), `cnn-unpaired` (the ablation) and `oracle-paired` (the upper bound),
 * all trained in the same run with the same profile. Too slow for the test suite (minutes).
 *
 * ```sh
 * deno run -A bench/semantic_pairing_e2e.ts [--dataset DIR] [--methods a,b] [--steps N] [--out F]
 *   [--check]   exit 1 unless semantic-pairing beats classical on both PSNR and ΔE2000
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { openDataset } from "../harness/io/dataset.ts";
import { quantize } from "../harness/io/image.ts";
import type { Method, MethodContext } from "../harness/method.ts";
import type { RgbImage } from "../harness/types.ts";
import { buildFixtures, fixturesDir } from "../fixtures/build.ts";
import { psnr } from "../metrics/psnr.ts";
import { deltaE2000 } from "../metrics/ciede2000.ts";
import { classicalMethod } from "../methods/classical.ts";
import { FAST_PROFILE, semanticPairingMethod } from "../methods/semantic_pairing.ts";
import { cnnUnpairedMethod } from "../methods/cnn_unpaired.ts";
import { oraclePairedMethod } from "../methods/oracle_paired.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dataset: { type: "string" },
    methods: { type: "string", default: "classical,semantic-pairing,cnn-unpaired,oracle-paired" },
    steps: { type: "string" },
    seed: { type: "string", default: "42" },
    out: { type: "string", default: "out/semantic_pairing_e2e.json" },
    check: { type: "boolean", default: false },
  },
});

const METHODS: Record<string, Method> = Object.fromEntries(
  [classicalMethod, semanticPairingMethod, cnnUnpairedMethod, oraclePairedMethod].map((
    m,
  ) => [m.name, m]),
);

const root = values.dataset ?? fixturesDir("small", 0);
if (!values.dataset) await buildFixtures({ out: root, preset: "small", seed: 0 });
const ds = await openDataset(root);
const profile = { ...FAST_PROFILE, ...(values.steps ? { steps: Number(values.steps) } : {}) };
const truth = new Map(ds.trainTruth);

function eightBit(img: RgbImage): RgbImage {
  const q = quantize(img, 8);
  return { width: img.width, height: img.height, data: Float32Array.from(q, (v) => v / 255) };
}

const results: Record<string, unknown>[] = [];
for (const name of values.methods.split(",")) {
  const method = METHODS[name.trim()];
  if (!method) throw new Error(`unknown method ${name}`);
  const options: Record<string, number | string | boolean> = method.params > 0 ? profile : {};
  const ctx: MethodContext = {
    seed: Number(values.seed),
    device: "cpu",
    options: Object.fromEntries(
      Object.entries(method.options).map(([k, s]) => [k, options[k] ?? s.default]),
    ),
    workDir: await Deno.makeTempDir(),
    progress: () => {},
    log: (m) => console.error(`  ${m}`),
  };
  const t0 = performance.now();
  const model = await method.train(
    { raws: ds.train.raws, rgbs: ds.train.rgbs, truth: method.usesTruth ? truth : undefined },
    ctx,
  );
  const trainS = (performance.now() - t0) / 1000;
  let p = 0, de = 0, n = 0;
  const t1 = performance.now();
  for (const raw of ds.val.raws) {
    const target = ds.val.targets.get(raw.name);
    if (!target) continue;
    const pred = eightBit(await model.render(await raw.load()));
    const gt = await target.load();
    p += psnr(pred, gt);
    de += deltaE2000(pred, gt);
    n++;
  }
  await model.dispose?.();
  const row = {
    method: name,
    psnr: p / n,
    deltaE2000: de / n,
    images: n,
    trainSeconds: trainS,
    renderSeconds: (performance.now() - t1) / 1000,
  };
  results.push(row);
  console.log(
    `${name.padEnd(18)} PSNR ${row.psnr.toFixed(3)} dB  ΔE2000 ${row.deltaE2000.toFixed(3)}  ` +
      `(${n} val images; train ${trainS.toFixed(1)} s, render ${row.renderSeconds.toFixed(1)} s)`,
  );
}
await Deno.mkdir(dirname(values.out), { recursive: true });
await Deno.writeTextFile(
  values.out,
  JSON.stringify({ dataset: root, profile, results }, null, 2) + "\n",
);

if (values.check) {
  const by = (n: string) =>
    results.find((r) => r.method === n) as
      | { psnr: number; deltaE2000: number }
      | undefined;
  const sp = by("semantic-pairing"), cl = by("classical");
  if (!sp || !cl) throw new Error("--check needs semantic-pairing and classical in --methods");
  const ok = sp.psnr > cl.psnr && sp.deltaE2000 < cl.deltaE2000;
  console.log(
    `check: semantic-pairing ${ok ? "beats" : "does NOT beat"} classical on PSNR and ΔE2000`,
  );
  if (!ok) Deno.exit(1);
}
