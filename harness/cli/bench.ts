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
import { getMethod, listMethods, parseOptFlags, resolveOptions } from "../registry.ts";
import { writePsnrChart } from "../report/chart.ts";
import { reportHtml } from "../report/html.ts";
import { resultsJson } from "../report/json.ts";
import { checkOrdering } from "../report/ordering.ts";
import {
  type StepZeroDifference,
  stepZeroDifferences,
  withStepZeroRows,
} from "../report/step_zero.ts";
import { leaderboardTable } from "../report/table.ts";
import { leaderboard, openResultsDb } from "../store/results.ts";
import type { LeaderboardRow } from "../store/types.ts";

/** Methods left out of the default run: `onnx` needs a model file. */
export const NOT_BY_DEFAULT: readonly string[] = ["onnx"];

const USAGE = `Usage: deno task bench [options]

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
  --no-progress        no progress bars
  --help               this text

Learned colour-CNN methods also run untrained, as <name>@step0 rows: the ordering check requires
the reference method to beat its own step 0 on val, and prints trained − step-0 differences.
`;

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
 * Runs the bench with command-line `args`; returns the exit code (0 ok, 1 ordering check FAIL,
 * 2 bad options or input).
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
    throw e;
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
      "no-progress": { type: "boolean" },
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
  const registry = listMethods();
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

  let dataDir = values.data;
  if (!dataDir) {
    dataDir = join(out, "fixtures", "small-seed0");
    if (!(await exists(join(dataDir, "train")))) {
      io.stderr(`building the small fixtures into ${dataDir} …\n`);
      const { buildFixtures } = await import("../../fixtures/build.ts");
      await buildFixtures({ out: dataDir, seed: 0, preset: "small" });
    }
  }
  const dataset = await openDataset(dataDir);
  const db = await openResultsDb(values.db ?? join(out, "results.sqlite"));
  try {
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
    });
    const phases = new Map<Phase, LeaderboardRow[]>();
    for (const phase of result.phases) {
      phases.set(
        phase,
        await leaderboard(db, phase, {
          datasetHash: result.datasetHash,
          methods: ranked,
          optionSets: Object.fromEntries(plan.map((p) => [p.method.name, p.options])),
        }),
      );
    }
    if (phases.size === 0) io.stdout(`nothing scored: no phase of ${dataDir} has targets\n`);
    for (const [phase, rows] of phases) {
      io.stdout(`\nLeaderboard, phase ${phase} (${dataDir}):\n${leaderboardTable(rows)}\n`);
    }
    const failed = result.outcomes.filter((o) => o.status === "failed").map((o) => o.run);
    for (const f of failed) {
      io.stdout(`FAILED ${f.method} ${f.phase} seed ${f.seed}: ${f.error}\n`);
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
    const check = checkOrdering(phases.get(checkPhase) ?? [], {}, {
      val: phases.get("val"),
      stepZero,
    });
    const checkLine = `ordering check (${checkPhase}): ${check.status}`;
    io.stdout(`\n${checkLine}\n${check.details.map((d) => `  ${d}\n`).join("")}`);

    const rows = [...phases.values()].flat();
    const report = join(out, "report");
    await Deno.mkdir(report, { recursive: true });
    const json = JSON.stringify(resultsJson(rows), null, 2) + "\n";
    await Deno.writeTextFile(join(report, "results.json"), json);
    if (values.json) await Deno.writeTextFile(values.json, json);
    let chart: string | undefined;
    if (rows.length > 0) {
      await writePsnrChart(join(report, "psnr.png"), phases);
      chart = "psnr.png";
    }
    await Deno.writeTextFile(
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
    );
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    io.stdout(`\nreport: ${join(report, "index.html")} (${secs} s)\n`);
    return check.status === "FAIL" ? 1 : 0;
  } finally {
    await db.close();
  }
}

if (import.meta.main) Deno.exit(await bench(Deno.args));
