/**
 * `deno task score --pred DIR|ZIP --gt DIR [--out FILE.json] [--csv FILE]`: scores predictions
 * against hidden targets with the challenge's metrics and prints a summary.
 * @module
 */
import { parseArgs } from "node:util";
import { InputError, OptionError } from "../errors.ts";
import { scoreSubmission, toCsv, writeFileAtomic } from "../score.ts";

const USAGE = `Usage: deno task score --pred DIR|ZIP --gt DIR [options]

Scores predicted images (a folder or a submission zip of PNG/JPEG named like the targets)
against target images with PSNR, SSIM and CIEDE2000 (NTIRE conventions).

Options:
  --pred DIR|ZIP     predictions (files matched to targets by name stem)
  --gt DIR           target images
  --out FILE.json    write the full report (per-image scores, means, 95% intervals);
                     '-' writes it to stdout instead of the text summary
  --csv FILE         write per-image scores as CSV
  --seed N           bootstrap seed (default 0)
  --resamples N      bootstrap resamples (default 2000)
  --quiet            no progress bar
  -h, --help         this text
`;

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw new OptionError(name, `expected a non-negative integer, got '${v}'`);
  }
  return n;
}

async function writeOutput(option: string, path: string | undefined, text: string) {
  if (!path) return;
  if (path === "-") return void Deno.stdout.writeSync(new TextEncoder().encode(text));
  try {
    await writeFileAtomic(path, text);
  } catch (e) {
    throw new OptionError(option, `cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Runs the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        pred: { type: "string" },
        gt: { type: "string" },
        out: { type: "string" },
        csv: { type: "string" },
        seed: { type: "string" },
        resamples: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    if (!values.pred) throw new OptionError("--pred", "required");
    if (!values.gt) throw new OptionError("--gt", "required");
    const report = await scoreSubmission(values.pred, values.gt, {
      seed: positiveInt("--seed", values.seed, 0),
      resamples: positiveInt("--resamples", values.resamples, 2000),
      progress: !values.quiet,
    });
    const s = report.summary;
    const log = values.out === "-" ? console.error : console.log;
    const f = (iv: { mean: number; lo: number; hi: number }, d: number) =>
      `${iv.mean.toFixed(d)}  [${iv.lo.toFixed(d)}, ${iv.hi.toFixed(d)}]`;
    log(`images      ${s.count}  (95% intervals: bootstrap over ${s.bootstrapUnit}s)`);
    log(`PSNR        ${f(s.psnr, 3)} dB  (pooled ${s.psnrPooled.toFixed(3)} dB)`);
    log(`SSIM        ${f(s.ssim, 4)}`);
    log(`ΔE2000      ${f(s.deltaE2000, 3)}`);
    if (s.cappedImages > 0) {
      log(`note: ${s.cappedImages} identical image(s), PSNR capped at 100 dB`);
    }
    if (report.ignored.length > 0) {
      log(`note: ignored non-image entries: ${report.ignored.join(", ")}`);
    }
    await writeOutput("--out", values.out, JSON.stringify(report, null, 2) + "\n");
    await writeOutput("--csv", values.csv, toCsv(report.images));
    return 0;
  } catch (e) {
    if (e instanceof InputError || e instanceof OptionError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
