/**
 * `deno task import --format camera-raw|zrr|mai|ntire --in DIR [--targets DIR] --out DIR`: builds
 * an isp-bench dataset (packed RAW tiles, targets at 2×, dataset.json, unpaired train split,
 * paired val/test with hidden test targets and truth) from camera RAW files or a public dataset.
 * @module
 */
import { InputError, OptionError } from "../errors.ts";
import { parseOrExitCode } from "./args.ts";
import { FORMATS, type ImportFormat } from "../import/formats.ts";
import { importDataset } from "../import/build.ts";
import { createProgress, type Progress } from "../progress.ts";

const USAGE = `usage: npx -y deno@2.9.6 task import --format FORMAT --in DIR --out DIR [options]

Builds an isp-bench dataset folder: packed RAW tiles (H, W, 4) uint16, target tiles at twice the
size, dataset.json (CFA, per-channel black, white, bit depth, white balance and colour matrix
where known), an unpaired train split of disjoint photos, paired val and test splits (test
targets and the pairing truth under hidden/).

Formats:
  camera-raw   --in: camera RAW files (DNG, CR2, NEF, ARW, Bayer RAF, …); --targets: JPEG/PNG
               of the target camera, paired with a RAW when the file stems match
  zrr          Zurich RAW-to-RGB: train|test/huawei_raw/<i>.png + canon/<i>.jpg
  mai          MAI 2021: train|val/mediatek_raw/<i>.png + fujifilm/<i>.png
  ntire        NTIRE 2026: train/raws/*.npy + train/jpegs/*.jpg (+ paired val|test/raws+jpegs)

Options:
  --format F     one of ${FORMATS.join(", ")} (required)
  --in DIR       input folder (required)
  --targets DIR  target images (camera-raw only)
  --out DIR      dataset folder to write (required)
  --seed N       seed of the split (default 0)
  --patch N      tile size in packed pixels (default 256; smaller photos give one tile)
  --val F        share of paired photos for val (default 0.2)
  --test F       share of paired photos for test (default 0.2)
  --force        replace an existing --out folder (default: refuse; a same-option run resumes)
  --quiet        no progress
  -h, --help     this text
`;

function int(name: string, v: string | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new OptionError(name, `expected an integer ≥ ${min}, got '${v}'`);
  }
  return n;
}

function fraction(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === "" || !(n >= 0 && n < 1)) {
    throw new OptionError(name, `expected a number in [0, 1), got '${v}'`);
  }
  return n;
}

/** Runs the CLI with `args`; returns the exit code (0 ok, 1 input error, 2 usage). */
export async function main(args: string[]): Promise<number> {
  const values = parseOrExitCode(args, {
    format: { type: "string" },
    in: { type: "string" },
    targets: { type: "string" },
    out: { type: "string" },
    seed: { type: "string" },
    patch: { type: "string" },
    val: { type: "string" },
    test: { type: "string" },
    force: { type: "boolean" },
    quiet: { type: "boolean" },
  }, USAGE);
  if (typeof values === "number") return values;
  let opts;
  try {
    if (!values.format) throw new OptionError("--format", "required");
    if (!FORMATS.includes(values.format as ImportFormat)) {
      throw new OptionError("--format", `unknown '${values.format}' (${FORMATS.join(" | ")})`);
    }
    if (!values.in) throw new OptionError("--in", "required");
    if (!values.out) throw new OptionError("--out", "required");
    if (values.targets && values.format !== "camera-raw") {
      throw new OptionError("--targets", "only used with --format camera-raw");
    }
    opts = {
      format: values.format as ImportFormat,
      input: values.in,
      targets: values.targets,
      out: values.out,
      seed: int("--seed", values.seed, 0, 0),
      patch: int("--patch", values.patch, 256, 8),
      valFraction: fraction("--val", values.val, 0.2),
      testFraction: fraction("--test", values.test, 0.2),
      force: values.force ?? false,
    };
  } catch (e) {
    if (e instanceof OptionError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  let bar: Progress | undefined;
  try {
    const res = await importDataset({
      ...opts,
      progress: (done, total, note) => {
        bar ??= createProgress("import", total, { quiet: values.quiet });
        bar.update(done, note);
      },
    });
    bar?.finish();
    const c = res.counts;
    console.log(
      `${opts.out}: train ${c["train/raw"]} RAW / ${c["train/rgb"]} target tiles, ` +
        `val ${c.val}, test ${c.test} paired tiles` +
        (res.resumed ? ` (${res.resumed} already present, resumed)` : ""),
    );
    return 0;
  } catch (e) {
    if (e instanceof OptionError) {
      console.error(`error: ${e.message}`);
      return e.option === "--out" ? 1 : 2;
    }
    if (e instanceof InputError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
