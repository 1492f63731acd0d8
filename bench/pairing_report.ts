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
import { cliFail, intOption, parseCli } from "../harness/cli/args.ts";
import { dirname, join } from "node:path";
import { InputError, OptionError } from "../harness/errors.ts";
import { openDataset } from "../harness/io/dataset.ts";
import { buildFixtures, fixturesDir } from "../fixtures/build.ts";
import { createBuiltinEmbedder } from "../methods/lib/embed/builtin.ts";
import { OT_VARIANTS, type OtVariant } from "../methods/lib/pairing/image_pairing.ts";
import { formatPairingTable, runPairingReport } from "../methods/lib/pairing/report.ts";
import { rawRgbOverlap } from "../methods/lib/pairing/accuracy.ts";
import { readPairingTruth } from "../methods/lib/pairing/truth.ts";

const USAGE = `usage: npx -y deno@2.9.6 task pairing-report [options]

Pairing accuracy against the fixtures' hidden truth: the built-in embedder × each OT variant
against a random baseline, plus the stitching's layout recovery. Prints a Markdown table and
writes JSON. Without --dataset it builds (or reuses) the bench's fixtures, out/fixtures/<preset>-seed<N>.

Options:
  --dataset DIR        a fixture dataset with hidden/truth.json (default: the bench's fixtures)
  --preset P           fixture preset when building: small | medium (default small)
  --fixture-seed N     fixture seed when building (default 0)
  --variants LIST      OT variants, comma-separated (default ${OT_VARIANTS.join(",")})
  --seed N             seed of the random baseline and the pairing (default 42)
  --out FILE           JSON output (default out/pairing_report.json)
  --help               this text`;

const { values: v } = parseCli({
  name: "pairing-report",
  usage: USAGE,
  options: {
    dataset: { type: "string" },
    preset: { type: "string", default: "small" },
    "fixture-seed": { type: "string", default: "0" },
    variants: { type: "string", default: OT_VARIANTS.join(",") },
    seed: { type: "string", default: "42" },
    out: { type: "string", default: "out/pairing_report.json" },
  },
});
const values = v as Record<string, string | undefined>;
let variants: OtVariant[] = [];
let fixtureSeed = 0, seed = 0;
try {
  variants = String(values.variants).split(",").map((x) => x.trim()) as OtVariant[];
  for (const x of variants) {
    if (!OT_VARIANTS.includes(x)) {
      throw new OptionError("--variants", `unknown variant '${x}' (${OT_VARIANTS.join(", ")})`);
    }
  }
  fixtureSeed = intOption(values["fixture-seed"], "--fixture-seed", { min: 0 });
  seed = intOption(values.seed, "--seed", { min: 0 });
} catch (e) {
  if (!(e instanceof OptionError)) throw e;
  cliFail("pairing-report", e.message);
}
const outFile = values.out!;
let root = values.dataset;
try {
  if (!root) {
    root = fixturesDir(values.preset!, fixtureSeed);
    const r = await buildFixtures({ out: root, preset: values.preset, seed: fixtureSeed });
    console.error(`fixtures ${r.reused ? "reused" : "built"}: ${root}`);
  }
} catch (e) {
  if (!(e instanceof OptionError)) throw e;
  cliFail("pairing-report", e.message);
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
  seed,
  tiles,
});
console.log(
  `dataset ${root}: ${ds.train.raws.length} RAW / ${ds.train.rgbs.length} RGB train patches, ` +
    `mode ${truth.mode}`,
);
const overlap = rawRgbOverlap(
  truth,
  ds.train.raws.map((r) => r.name),
  ds.train.rgbs.map((r) => r.name),
);
console.log(formatPairingTable(report.rows, { iou: overlap }));
if (!overlap) {
  console.log(
    "\ntop-1 IoU: not measurable here (—): no train RAW patch overlaps any train RGB patch of its " +
      "photo (the fixtures cut RAW and RGB from disjoint regions), so every IoU would be 0. Build " +
      "fixtures with `npx -y deno@2.9.6 task fixtures --out DIR --overlap 32` and pass --dataset DIR to measure it.",
  );
}
if (report.layouts) {
  const f = (l: typeof report.layouts.raw) =>
    `${l.correct}/${l.scenes} right, ${l.ambiguous} flagged ambiguous, ${l.wrongUnflagged} wrong unflagged`;
  console.log(
    `\nlayout recovery — RAW scenes: ${f(report.layouts.raw)}; RGB: ${f(report.layouts.rgb)}`,
  );
}
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
await Deno.mkdir(dirname(outFile), { recursive: true });
await Deno.writeTextFile(
  outFile,
  JSON.stringify({ dataset: root, mode: truth.mode, ...report }, null, 2) + "\n",
);
console.error(`wrote ${outFile}`);
