/**
 * `deno task score --pred DIR|ZIP --gt DIR [--out FILE.json] [--csv FILE]`: scores predictions
 * against hidden targets with the challenge's metrics and prints a summary.
 * @module
 */
import { InputError, OptionError } from "../errors.ts";
import { parseOrExitCode } from "./args.ts";
import { scoreSubmission, toCsv, writeFilesAtomic } from "../score.ts";
import { printable } from "../text.ts";

const USAGE = `usage: npx -y deno@2.9.6 task score --pred DIR|ZIP --gt DIR [options]

Scores predicted images (a folder or a submission zip of PNG/JPEG named like the targets)
against target images with PSNR, SSIM and CIEDE2000 (NTIRE conventions).

Options:
  --pred DIR|ZIP     predictions (files matched to targets by name stem)
  --gt DIR           target images
  --out FILE.json    write the full report (per-image scores, means, 95% intervals);
                     '-' writes it to stdout instead of the text summary
  --csv FILE         write per-image scores as CSV
  --seed N           bootstrap seed (default 0)
  --resamples N      bootstrap resamples, 100 to 1000000 (default 2000)
  --quiet            no progress bar
  -h, --help         this text

Exit codes:
  0  scored; outputs written
  1  scoring failed for a reason that is not the input (an unexpected error)
  2  usage or bad input: unknown option, bad value, missing --pred/--gt, unwritable output,
     or predictions/targets missing, unreadable, corrupt or mismatched (the message names
     the file and the problem)
`;

function intIn(name: string, v: string | undefined, dflt: number, min: number, max: number) {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new OptionError(name, `expected a whole number from ${min} to ${max}, got '${v}'`);
  }
  return n;
}

/** `mean  [lo, hi]`, or the mean alone when the interval is not finite (never "NaN"). */
function interval(iv: { mean: number; lo: number; hi: number }, d: number): string {
  const m = Number.isFinite(iv.mean) ? iv.mean.toFixed(d) : "n/a";
  return Number.isFinite(iv.lo) && Number.isFinite(iv.hi)
    ? `${m}  [${iv.lo.toFixed(d)}, ${iv.hi.toFixed(d)}]`
    : `${m}  (no interval)`;
}

/** Refuses output paths that cannot be written before any scoring work is done. */
async function checkWritable(option: string, path: string | undefined): Promise<void> {
  if (!path || path === "-") return;
  const info = await Deno.stat(path).catch(() => undefined);
  if (info && !info.isFile) throw new OptionError(option, `${path} is not a regular file`);
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".";
  const d = await Deno.stat(dir).catch(() => undefined);
  if (!d?.isDirectory) throw new OptionError(option, `folder ${dir} does not exist`);
}

/** Runs the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const values = parseOrExitCode(args, {
    pred: { type: "string" },
    gt: { type: "string" },
    out: { type: "string" },
    csv: { type: "string" },
    seed: { type: "string" },
    resamples: { type: "string" },
    quiet: { type: "boolean" },
  }, USAGE);
  if (typeof values === "number") return values;
  try {
    if (!values.pred) throw new OptionError("--pred", "required");
    if (!values.gt) throw new OptionError("--gt", "required");
    if (values.csv === "-") throw new OptionError("--csv", "'-' is only accepted by --out");
    if (values.out && values.out !== "-" && values.out === values.csv) {
      throw new OptionError("--csv", "must differ from --out");
    }
    const seed = intIn("--seed", values.seed, 0, 0, 2 ** 32 - 1);
    const resamples = intIn("--resamples", values.resamples, 2000, 100, 1_000_000);
    await checkWritable("--out", values.out);
    await checkWritable("--csv", values.csv);
    const report = await scoreSubmission(values.pred, values.gt, {
      seed,
      resamples,
      progress: !values.quiet,
    });
    const s = report.summary;
    const log = (t: string) => (values.out === "-" ? console.error : console.log)(printable(t));
    log(`images      ${s.count}  (95% intervals: bootstrap over ${s.bootstrapUnit}s)`);
    log(`PSNR        ${interval(s.psnr, 3)} dB  (pooled ${s.psnrPooled.toFixed(3)} dB)`);
    log(`SSIM        ${interval(s.ssim, 4)}`);
    log(`ΔE2000      ${interval(s.deltaE2000, 3)}`);
    if (s.cappedImages > 0) {
      log(`note: ${s.cappedImages} identical image(s), PSNR capped at 100 dB`);
    }
    if (report.ignored.length > 0) {
      log(`note: ignored non-image entries: ${report.ignored.join(", ")}`);
    }
    // Both files or neither: a failure writing one leaves the other as it was.
    const files: [string, string][] = [];
    const json = JSON.stringify(report, null, 2) + "\n";
    if (values.out && values.out !== "-") files.push([values.out, json]);
    if (values.csv) files.push([values.csv, toCsv(report.images)]);
    try {
      await writeFilesAtomic(files);
    } catch (e) {
      throw new OptionError(
        values.csv && files.length > 1 ? "--out/--csv" : "--out",
        (e as Error).message,
      );
    }
    if (values.out === "-") Deno.stdout.writeSync(new TextEncoder().encode(json));
    return 0;
  } catch (e) {
    if (e instanceof OptionError || e instanceof InputError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    // Not the user's mistake: one line, no stack (ISP_BENCH_DEBUG=1 shows it).
    console.error(`error: unexpected failure: ${printable((e as Error)?.message ?? String(e))}`);
    if (Deno.env.get("ISP_BENCH_DEBUG")) console.error(e);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
