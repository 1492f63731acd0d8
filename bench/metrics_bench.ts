/**
 * Throughput of the image metrics (PSNR, SSIM, ΔE2000) against scikit-image 0.19 on the same
 * real photographs, measured in the same run: Python times its own loop (time.perf_counter and
 * time.process_time, float64 arrays preloaded), TypeScript times its own (RgbImage preloaded,
 * JIT warmed up). The two alternate for `--rounds` rounds of `--repeat` passes each. The
 * machine is shared, so the table shows the best pass of each side (the least disturbed one),
 * the ratio of medians by wall clock, and — for single-threaded rows — by process CPU time,
 * which other processes disturb less. Rows marked "pool" split each image across a
 * {@link MetricPool} (workers + the calling thread); they only pay off on idle cores.
 * Every value is checked against scikit-image to 1e-4; the exit code is 1 if one disagrees.
 *
 * Run: `deno task bench:metrics [--rounds 3] [--repeat 3] [--workers N]`
 * @module
 */
import process from "node:process";
import { intOption, parseCli, runCli } from "../harness/cli/args.ts";
import { readImage } from "../harness/io/image.ts";
import type { RgbImage } from "../harness/types.ts";
import { deltaE2000 } from "../metrics/ciede2000.ts";
import { MetricPool } from "../metrics/pool.ts";
import { psnr } from "../metrics/psnr.ts";
import { type AnchorScore, makeAnchorPairs, scoreWithSkimage } from "../metrics/skimage_anchor.ts";
import { ssim } from "../metrics/ssim.ts";

const TOLERANCE = 1e-4;
const WARMUP_MS = 500;

type Metric = "psnr" | "ssim" | "de2000";
type MetricFn = (p: RgbImage, g: RgbImage) => number | Promise<number>;

interface Runner {
  readonly label: string;
  readonly metric: Metric;
  readonly fn: MetricFn;
  /** Single-threaded rows also get a CPU-time ratio. */
  readonly pooled: boolean;
}

interface Pair {
  readonly pred: RgbImage;
  readonly gt: RgbImage;
}

function positiveInt(v: unknown, name: string): number {
  return intOption(v, `--${name}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

async function call(fn: MetricFn, im: Pair): Promise<number> {
  const r = fn(im.pred, im.gt);
  return typeof r === "number" ? r : await r;
}

/** Wall and process-CPU seconds of each of `repeat` passes of `fn` over `pairs`, after warm-up. */
async function timePasses(
  fn: MetricFn,
  pairs: Pair[],
  repeat: number,
): Promise<{ wall: number[]; cpu: number[] }> {
  const w0 = performance.now();
  do for (const im of pairs) await call(fn, im); while (performance.now() - w0 < WARMUP_MS);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const im of pairs) await call(fn, im);
    wall.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { wall, cpu };
}

async function main(): Promise<number> {
  const { values } = parseCli({
    name: "bench:metrics",
    usage: `usage: npx -y deno@2.9.6 task bench:metrics [options]

Throughput of PSNR, SSIM and ΔE2000 against scikit-image on the same real photographs, timed in
this run; every value is checked against scikit-image to 1e-4 (exit 1 if one disagrees).

Options:
  --rounds N     alternating rounds of Python and TypeScript (default 3)
  --repeat N     timed passes per round (default 3)
  --workers N    workers of the pooled rows (default: cores − 1)
  --help         this text`,
    options: {
      rounds: { type: "string", default: "3" },
      repeat: { type: "string", default: "3" },
      workers: { type: "string" },
    },
  });
  const rounds = positiveInt(values.rounds, "rounds");
  const repeat = positiveInt(values.repeat, "repeat");
  const workers = values.workers === undefined ? undefined : positiveInt(values.workers, "workers");
  const dir = await Deno.makeTempDir({ prefix: "metrics_bench_" });
  using pool = MetricPool.create({ workers });
  try {
    const list = await makeAnchorPairs(dir);
    const pairs: Pair[] = await Promise.all(
      list.map(async (p) => ({ pred: await readImage(p.pred), gt: await readImage(p.gt) })),
    );
    const threads = `pool ${pool.size}+1`;
    const runners: Runner[] = [
      { label: "psnr", metric: "psnr", fn: (p, g) => psnr(p, g), pooled: false },
      { label: "ssim", metric: "ssim", fn: (p, g) => ssim(p, g), pooled: false },
      { label: "de2000", metric: "de2000", fn: (p, g) => deltaE2000(p, g), pooled: false },
      { label: `ssim (${threads})`, metric: "ssim", fn: (p, g) => pool.ssim(p, g), pooled: true },
      {
        label: `de2000 (${threads})`,
        metric: "de2000",
        fn: (p, g) => pool.deltaE2000(p, g),
        pooled: true,
      },
    ];
    // SSIM is timed on the pairs scikit-image accepts (at least 11×11), like the Python loop.
    const usable = (m: Metric) =>
      pairs.filter((im) => m !== "ssim" || Math.min(im.gt.width, im.gt.height) >= 11);
    const megapixels = (m: Metric) =>
      usable(m).reduce((s, im) => s + im.gt.width * im.gt.height, 0) / 1e6;
    // Throughputs (MP/s) of every pass, by wall clock and by process CPU time.
    const py = new Map<Metric, { wall: number[]; cpu: number[] }>();
    const ts = new Map<string, { wall: number[]; cpu: number[] }>();
    let reference: AnchorScore[] = [];
    for (let round = 0; round < rounds; round++) {
      const ref = await scoreWithSkimage(dir, repeat);
      reference = ref.results;
      for (const m of ["psnr", "ssim", "de2000"] as Metric[]) {
        const t = ref.timing![m];
        const acc = py.get(m) ?? { wall: [], cpu: [] };
        acc.wall.push(...t.passes.map((s) => t.megapixels / s));
        acc.cpu.push(...t.cpu.map((s) => t.megapixels / s));
        py.set(m, acc);
      }
      for (const r of runners) {
        const mp = megapixels(r.metric);
        const own = await timePasses(r.fn, usable(r.metric), repeat);
        const acc = ts.get(r.label) ?? { wall: [], cpu: [] };
        acc.wall.push(...own.wall.map((s) => mp / s));
        acc.cpu.push(...own.cpu.map((s) => mp / s));
        ts.set(r.label, acc);
      }
    }
    const rows: string[][] = [];
    let ok = true;
    for (const r of runners) {
      let maxDiff = 0;
      for (let i = 0; i < pairs.length; i++) {
        const want = reference[i][r.metric];
        if (want === null) continue;
        const got = await call(r.fn, pairs[i]);
        const d = want === got ? 0 : Math.abs(got - want);
        maxDiff = Math.max(maxDiff, Number.isNaN(d) ? Infinity : d);
      }
      if (!(maxDiff <= TOLERANCE)) ok = false;
      const p = py.get(r.metric)!;
      const t = ts.get(r.label)!;
      const pyBest = Math.max(...p.wall);
      const tsBest = Math.max(...t.wall);
      rows.push([
        r.label,
        megapixels(r.metric).toFixed(2),
        pyBest.toFixed(2),
        tsBest.toFixed(2),
        (tsBest / pyBest).toFixed(2) + "×",
        (median(t.wall) / median(p.wall)).toFixed(2) + "×",
        r.pooled ? "—" : (median(t.cpu) / median(p.cpu)).toFixed(2) + "×",
        maxDiff.toExponential(1),
        maxDiff <= TOLERANCE ? "ok" : "FAIL",
      ]);
    }
    const head = [
      "metric",
      "MP/pass",
      "skimage MP/s",
      "TS MP/s",
      "best ratio",
      "median wall",
      "median CPU",
      "max |Δ|",
      "≤1e-4",
    ];
    const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
    const line = (row: string[]) => row.map((v, c) => v.padStart(widths[c])).join("  ");
    const load = Deno.loadavg()[0].toFixed(1);
    console.log(
      `${list.length} real-photo pairs (scikit-image data), ${rounds} rounds × ${repeat} passes, ` +
        `${navigator.hardwareConcurrency} cores, load average ${load}. ` +
        `skimage times its own loop. MP/s: best pass by wall clock; ratios TS/skimage: best pass, median wall, median CPU`,
    );
    console.log(line(head));
    for (const row of rows) console.log(line(row));
    return ok ? 0 : 1;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await runCli("bench:metrics", main);
