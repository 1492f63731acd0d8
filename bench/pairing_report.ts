/**
 * Pairing-accuracy report (task `pairing-report`): on a fixture dataset with hidden truth, the
 * built-in embedder × each OT variant (paper surrogate, exact FGW, plain Sinkhorn) against a random
 * baseline, plus the stitching's layout recovery. Prints a Markdown table and writes JSON.
 *
 * ```sh
 * deno task pairing-report                          # builds/reuses the small fixtures, seed 0
 * deno task pairing-report --dataset DIR --out out/pairing_report.json
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { dirname, join } from "node:path";
import { InputError, OptionError } from "../harness/errors.ts";
import { openDataset } from "../harness/io/dataset.ts";
import { buildFixtures, fixturesDir } from "../fixtures/build.ts";
import { createBuiltinEmbedder } from "../methods/lib/embed/builtin.ts";
import { OT_VARIANTS, type OtVariant } from "../methods/lib/pairing/image_pairing.ts";
import { formatPairingTable, runPairingReport } from "../methods/lib/pairing/report.ts";
import { readPairingTruth } from "../methods/lib/pairing/truth.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dataset: { type: "string" },
    preset: { type: "string", default: "small" },
    "fixture-seed": { type: "string", default: "0" },
    variants: { type: "string", default: OT_VARIANTS.join(",") },
    seed: { type: "string", default: "42" },
    out: { type: "string", default: "out/pairing_report.json" },
  },
});

const variants = values.variants.split(",").map((v) => v.trim()) as OtVariant[];
for (const v of variants) {
  if (!OT_VARIANTS.includes(v)) throw new OptionError("--variants", `unknown variant '${v}'`);
}
let root = values.dataset;
if (!root) {
  const seed = Number(values["fixture-seed"]);
  root = fixturesDir(values.preset, seed);
  const r = await buildFixtures({ out: root, preset: values.preset, seed });
  console.error(`fixtures ${r.reused ? "reused" : "built"}: ${root}`);
}
const ds = await openDataset(root);
if (!ds.truthPath) {
  throw new InputError(join(root, "hidden/truth.json"), "missing: no pairing truth");
}
const truth = await readPairingTruth(ds.truthPath);
const tiles = (ds.meta.tiles ?? undefined) as
  | Record<string, { rows: number; cols: number }>
  | undefined;
const t0 = performance.now();
const report = await runPairingReport({
  raws: ds.train.raws,
  rgbs: ds.train.rgbs,
  truth,
  embedder: createBuiltinEmbedder(),
  variants,
  seed: Number(values.seed),
  tiles,
});
console.log(
  `dataset ${root}: ${ds.train.raws.length} RAW / ${ds.train.rgbs.length} RGB train patches, ` +
    `mode ${truth.mode}`,
);
console.log(formatPairingTable(report.rows));
if (report.layouts) {
  const f = (l: typeof report.layouts.raw) =>
    `${l.correct}/${l.scenes} right, ${l.ambiguous} flagged ambiguous, ${l.wrongUnflagged} wrong unflagged`;
  console.log(
    `\nlayout recovery — RAW scenes: ${f(report.layouts.raw)}; RGB: ${f(report.layouts.rgb)}`,
  );
}
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
await Deno.mkdir(dirname(values.out), { recursive: true });
await Deno.writeTextFile(
  values.out,
  JSON.stringify({ dataset: root, mode: truth.mode, ...report }, null, 2) + "\n",
);
console.error(`wrote ${values.out}`);
