/**
 * `deno task bench`: builds the small fixtures when absent, runs the registered methods under the
 * protocol, stores results, prints the leaderboard and writes the JSON/HTML/PNG report.
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { InputError, OptionError } from "../errors.ts";
import { openDataset } from "../io/dataset.ts";
import type { Device } from "../method.ts";
import { type Phase, type PlannedMethod, runProtocol } from "../protocol.ts";
import { loadPlugins } from "../plugins/load.ts";
import { getMethod, listMethods, parseOptFlags, resolveOptions, withPlugins } from "../registry.ts";
import { writePsnrChart } from "../report/chart.ts";
import { reportHtml } from "../report/html.ts";
import { resultsJson } from "../report/json.ts";
import { checkOrdering, stepZeroLines } from "../report/ordering.ts";
import { phasePower, powerLines } from "../report/power.ts";
import {
  STEP_ZERO_SUFFIX,
  type StepZeroDifference,
  stepZeroDifferences,
  withStepZeroRows,
} from "../report/step_zero.ts";
import { leaderboardTable } from "../report/table.ts";
import { writeFilesAtomic } from "../score.ts";
import { leaderboard, openResultsDb, perImageScores } from "../store/results.ts";
import { fixturesDir } from "../../fixtures/build.ts";
import type { Db, ImageScore, LeaderboardRow } from "../store/types.ts";
import { printable } from "../text.ts";

/** Methods left out of the default run: `onnx` needs a model file. */
export const NOT_BY_DEFAULT: readonly string[] = ["onnx"];

const USAGE = `usage: npx -y deno@2.9.6 task bench [options]

Runs the benchmark protocol and prints the leaderboard. With no options: builds the small
fixtures into <out>/fixtures/small-seed0 (if absent), runs every registered method except
${NOT_BY_DEFAULT.join(", ")} with its FAST_PROFILE, and writes <out>/results.sqlite and
<out>/report/{results.json,index.html,psnr.png}.

Options:
  --methods a,b        methods to run (default: all registered except ${NOT_BY_DEFAULT.join(", ")})
  --seeds N            seeds 0..N-1 (default 1)
  --data DIR           dataset folder (fixture or NTIRE layout; phases without targets are not scored)
  --db URL             results database: PATH, sqlite:PATH, :memory: or postgres://… (default <out>/results.sqlite)
  --device D           auto | cpu | gpu (default auto)
  --out DIR            output folder (default out)
  --json FILE          also write the results JSON here
  --opt m.key=value    a method option (repeatable), typed by the method's option spec
  --profile P          fast (each method's FAST_PROFILE, default), paper (the paper-faithful
                       PAPER_PROFILE where a method has one, else FAST_PROFILE) or default
                       (the methods' defaults)
  --plugin PATH        add a method from outside the registry (repeatable): a .ts/.js module
                       exporting a Method, an isp-method.json, or a folder holding one (docs/plugins.md)
  --export-onnx DIR    also write each trained model as ONNX to DIR (<method>-seed<N>-<hash>.onnx;
                       render it with the onnx method, or submit it to a leaderboard)
  --no-progress        no progress bars
  --help               this text

The ordering check (known relations between the methods' scores) applies to fixture datasets
built by \`deno task fixtures\` (recognised by their dataset.json); on other data it is reported
as skipped and never fails the run. Learned colour-CNN methods also run untrained, as
<name>@step0 rows: the check requires the reference method to beat its own step 0 on val, and
prints the trained − step-0 differences.

Exit codes:
  0  every run succeeded (and the ordering check passed or was skipped)
  1  a run or its scoring failed (listed as FAILED), or an unexpected error
  2  usage or bad input: unknown option or method, bad value, missing dataset, unusable
     --out/--json/--db
  3  the ordering check failed on a fixture dataset
`;

/** True for datasets written by the fixture builder, whose dataset.json says so. */
export function isFixtureDataset(meta: Readonly<Record<string, unknown>>): boolean {
  return typeof meta.name === "string" && meta.name.startsWith("isp-bench-fixtures-") &&
    typeof meta.preset === "string" && typeof meta.layoutVersion === "number";
}

/** Where the bench writes text (injectable for tests). */
export interface BenchIo {
  /** Standard output: the leaderboard and the check line. */
  stdout(text: string): void;
  /** Standard error: progress and logs. */
  stderr(text: string): void;
}

const enc = new TextEncoder();
const defaultIo: BenchIo = {
  stdout: (t) => Deno.stdout.writeSync(enc.encode(t)),
  stderr: (t) => Deno.stderr.writeSync(enc.encode(t)),
};

function parseSeeds(v: string | undefined): number[] {
  if (v === undefined) return [0];
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new OptionError("--seeds", `expected a whole number from 1 to 1000, got '${v}'`);
  }
  return Array.from({ length: n }, (_, i) => i);
}

function parseDevice(v: string | undefined): Device {
  const d = v ?? "auto";
  if (d !== "auto" && d !== "cpu" && d !== "gpu") {
    throw new OptionError("--device", `expected auto, cpu or gpu, got '${d}'`);
  }
  return d;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/**
 * Runs the bench with command-line `args`; returns the exit code (0 ok, 1 a run failed or an
 * unexpected error, 2 bad options or input, 3 ordering check failed on fixtures).
 * @example
 * ```ts
 * Deno.exit(await bench(["--methods", "classical,color-transfer", "--seeds", "2"]));
 * ```
 */
export async function bench(args: readonly string[], io: BenchIo = defaultIo): Promise<number> {
  try {
    return await benchUnchecked(args, io);
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    if (e instanceof OptionError || e instanceof InputError || code.startsWith("ERR_PARSE_ARGS")) {
      io.stderr(`error: ${(e as Error).message}\n`);
      return 2;
    }
    // Not the user's mistake: one line, no stack (ISP_BENCH_DEBUG=1 shows it).
    io.stderr(`error: unexpected failure: ${printable(String((e as Error)?.message ?? e))}\n`);
    if (Deno.env.get("ISP_BENCH_DEBUG")) io.stderr(`${(e as Error)?.stack}\n`);
    return 1;
  }
}

/** Refuses an output file that cannot be written, before any run starts. */
async function checkOutputFile(option: string, path: string): Promise<void> {
  const info = await Deno.stat(path).catch(() => undefined);
  if (info && !info.isFile) throw new OptionError(option, `${path} is not a regular file`);
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".";
  if (!(await Deno.stat(dir).catch(() => undefined))?.isDirectory) {
    throw new OptionError(option, `folder ${dir} does not exist`);
  }
  const probe = join(dir, `.isp-bench-probe-${crypto.randomUUID()}`);
  try {
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (e) {
    throw new OptionError(option, `cannot write in ${dir}: ${(e as Error).message}`);
  }
}

/** Opens the results store, turning its failures into an error about `--db`. */
async function openStore(url: string): Promise<Db> {
  try {
    return await openResultsDb(url);
  } catch (e) {
    // The URL may hold a password: show the scheme and host only.
    const shown = url.replace(/\/\/[^@/]*@/, "//…@");
    throw new OptionError("--db", `cannot open ${shown}: ${printable((e as Error).message)}`);
  }
}

async function benchUnchecked(args: readonly string[], io: BenchIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      methods: { type: "string" },
      seeds: { type: "string" },
      data: { type: "string" },
      db: { type: "string" },
      device: { type: "string" },
      out: { type: "string" },
      json: { type: "string" },
      opt: { type: "string", multiple: true },
      profile: { type: "string" },
      plugin: { type: "string", multiple: true },
      "no-progress": { type: "boolean" },
      "export-onnx": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const out = values.out ?? "out";
  const seeds = parseSeeds(values.seeds);
  const device = parseDevice(values.device);
  const profile = values.profile ?? "fast";
  if (profile !== "fast" && profile !== "default" && profile !== "paper") {
    throw new OptionError("--profile", `expected fast, paper or default, got '${profile}'`);
  }
  const registry = withPlugins(listMethods(), await loadPlugins(values.plugin ?? []));
  if (values.methods !== undefined && values.methods.trim() === "") {
    throw new OptionError("--methods", "empty list (omit --methods to run the default set)");
  }
  const names = values.methods
    ? values.methods.split(",").map((s) => s.trim()).filter(Boolean)
    : registry.map((e) => e.method.name).filter((n) => !NOT_BY_DEFAULT.includes(n));
  if (names.length === 0) throw new OptionError("--methods", "no method selected");
  const optFlags = parseOptFlags(values.opt ?? [], registry);
  const plan: PlannedMethod[] = withStepZeroRows(names.map((n) => {
    const e = getMethod(n, registry);
    const options = resolveOptions(
      e.method,
      profile === "fast"
        ? e.fastProfile
        : profile === "paper"
        ? e.paperProfile ?? e.fastProfile
        : {},
      optFlags.get(n) ?? {},
    );
    return { method: e.method, options };
  }));
  const ranked = plan.map((p) => p.method.name);

  try {
    await Deno.mkdir(join(out, "report"), { recursive: true });
  } catch (e) {
    throw new OptionError("--out", `cannot create ${join(out, "report")}: ${(e as Error).message}`);
  }
  await checkOutputFile("--out", join(out, "report", "results.json"));
  if (values.json) await checkOutputFile("--json", values.json);
  // The store first: a bad --db fails in a second, not after building fixtures.
  const db = await openStore(values.db ?? join(out, "results.sqlite"));
  try {
    let dataDir = values.data;
    if (!dataDir) {
      dataDir = fixturesDir("small", 0, "crops", out);
      if (!(await exists(join(dataDir, "train")))) {
        io.stderr(`building the small fixtures into ${dataDir} …\n`);
        const { buildFixtures } = await import("../../fixtures/build.ts");
        await buildFixtures({ out: dataDir, seed: 0, preset: "small" });
      }
    }
    const dataset = await openDataset(dataDir);
    const t0 = performance.now();
    const result = await runProtocol({
      dataset,
      methods: plan,
      seeds,
      db,
      outDir: out,
      device,
      progress: !values["no-progress"],
      log: (l) => io.stderr(l + "\n"),
      exportOnnx: values["export-onnx"],
    });
    const phases = new Map<Phase, LeaderboardRow[]>();
    const select = {
      datasetHash: result.datasetHash,
      methods: ranked,
      optionSets: Object.fromEntries(plan.map((p) => [p.method.name, p.options])),
    };
    for (const phase of result.phases) phases.set(phase, await leaderboard(db, phase, select));
    if (phases.size === 0) io.stdout(`nothing scored: no phase of ${dataDir} has targets\n`);
    for (const [phase, rows] of phases) {
      io.stdout(`\nLeaderboard, phase ${phase} (${dataDir}):\n${leaderboardTable(rows)}\n`);
      // Upper bounds and step-0 ablations are left out: the question is how close two competitors
      // may be and still be told apart.
      const scores = new Map<string, ImageScore[]>();
      for (const r of rows.filter((r) => !r.usesTruth && !r.method.endsWith(STEP_ZERO_SUFFIX))) {
        scores.set(r.method, await perImageScores(db, r.method, phase, select));
      }
      const power = phasePower(scores);
      if (power) io.stdout(powerLines(power).map((l) => `  ${l}\n`).join(""));
    }
    const failed = result.outcomes.filter((o) => o.status === "failed").map((o) => o.run);
    for (const f of failed) {
      io.stdout(printable(`FAILED ${f.method} ${f.phase} seed ${f.seed}: ${f.error}`) + "\n");
    }
    const checkPhase = phases.has("test") ? "test" : "val";
    const lbOpts = {
      datasetHash: result.datasetHash,
      optionSets: Object.fromEntries(plan.map((p) => [p.method.name, p.options])),
    };
    const stepZero: StepZeroDifference[] = [];
    for (const ph of phases.keys()) {
      stepZero.push(...await stepZeroDifferences(db, ph, ranked, lbOpts));
    }
    const fixture = isFixtureDataset(dataset.meta);
    const check = fixture
      ? checkOrdering(phases.get(checkPhase) ?? [], {}, { val: phases.get("val"), stepZero })
      : {
        status: "SKIPPED",
        details: [
          "not a fixture dataset (no fixture dataset.json)",
          ...stepZeroLines(stepZero),
        ],
      };
    const checkLine = `ordering check (${checkPhase}): ${check.status}`;
    io.stdout(`\n${checkLine}\n${check.details.map((d) => `  ${d}\n`).join("")}`);

    const rows = [...phases.values()].flat();
    const report = join(out, "report");
    const json = JSON.stringify(resultsJson(rows), null, 2) + "\n";
    const files: [string, string | Uint8Array][] = [[join(report, "results.json"), json]];
    if (values.json) files.push([values.json, json]);
    let chart: string | undefined;
    if (rows.length > 0) {
      // Drawn to a temp file, then written with the others: all report files change together.
      const tmp = join(report, `.psnr.png.draw-${crypto.randomUUID()}`);
      try {
        await writePsnrChart(tmp, phases);
        files.push([join(report, "psnr.png"), await Deno.readFile(tmp)]);
      } finally {
        await Deno.remove(tmp).catch(() => {});
      }
      chart = "psnr.png";
    }
    files.push([
      join(report, "index.html"),
      reportHtml({
        title: "isp-bench results",
        dataset: `${dataDir} (${result.datasetHash.slice(0, 12)})`,
        phases,
        chart,
        failed,
        descriptions: new Map(plan.map((p) => [p.method.name, p.method.description])),
        notes: [checkLine, ...check.details],
        generatedAt: new Date().toISOString(),
      }),
    ]);
    try {
      await writeFilesAtomic(files);
    } catch (e) {
      throw new OptionError("--out/--json", (e as Error).message);
    }
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    io.stdout(
      outputsSummary({
        report,
        chart: chart !== undefined,
        json: values.json,
        db: values.db ?? join(out, "results.sqlite"),
        predictions: out,
        exportDir: values["export-onnx"],
        exported: result.exported,
        seconds: secs,
      }),
    );
    if (failed.length > 0) return 1;
    return check.status === "FAIL" ? 3 : 0;
  } finally {
    await db.close();
  }
}

/** The bench's closing lines: every file it wrote, so none has to be guessed. */
function outputsSummary(o: {
  report: string;
  chart: boolean;
  json?: string;
  db: string;
  predictions: string;
  exportDir?: string;
  exported: readonly { method: string; seed: number; path?: string }[];
  seconds: string;
}): string {
  const lines = [
    `results JSON:  ${join(o.report, "results.json")}${o.json ? ` (copy: ${o.json})` : ""}`,
    `HTML report:   ${join(o.report, "index.html")}`,
    `chart:         ${o.chart ? join(o.report, "psnr.png") : "none (nothing scored)"}`,
    `database:      ${o.db.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@")}`,
    `predictions:   ${join(o.predictions, "<method>-seed<N>-<hash>", "pred", "<phase>")}`,
  ];
  if (!o.exportDir) lines.push("models:        not written (add --export-onnx DIR)");
  else {
    const written = o.exported.filter((e) => e.path);
    const none = o.exported.filter((e) => !e.path).map((e) => e.method);
    lines.push(`models:        ${written.length} ONNX file(s) in ${o.exportDir}`);
    for (const e of written) lines.push(`  ${e.path}`);
    if (none.length) lines.push(`  no ONNX export: ${[...new Set(none)].join(", ")}`);
  }
  return `\noutputs (${o.seconds} s):\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}

if (import.meta.main) Deno.exit(await bench(Deno.args));
