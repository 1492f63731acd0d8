/**
 * Speed of the TypeScript optimal-transport solvers against POT 0.8.2 (and a NumPy version of the
 * paper surrogate) on identical inputs, measured in the same run: Sinkhorn (reg 0.05 on a
 * mean-normalised cost), exact EMD, exact FGW (square loss, α 0.5) and the paper surrogate.
 * Each row also checks that both sides agree, so a fast wrong answer cannot pass unnoticed.
 *
 * Usage: npx -y deno@2.9.6 task bench:ot [--sizes 200,1000] [--fgw-sizes 200,1000] [--dim 384] [--reps 3]
 *   [--entropic] (adds FGW with the entropic inner solver; slow: ~100 s at n = 1000)
 * @module
 */
import { cliFail, intOption, parseCli } from "../harness/cli/args.ts";
import { OptionError } from "../harness/errors.ts";
import { spawnPython } from "../harness/testing/python.ts";
import { join } from "node:path";
import type { Matrix } from "../harness/types.ts";
import { sinkhornDetailed } from "../methods/lib/ot/sinkhorn.ts";
import { networkSimplex } from "../methods/lib/ot/emd.ts";
import { fusedGromovWasserstein } from "../methods/lib/ot/fgw.ts";
import { fgwSurrogate } from "../methods/lib/ot/surrogate.ts";
import { type FeatureMatrix, sqeuclideanCdist } from "../methods/lib/ot/cost.ts";
import { randomMatrix } from "../methods/lib/ot/test_util.ts";
import { uniform } from "../methods/lib/ot/validate.ts";

const USAGE = `usage: npx -y deno@2.9.6 task bench:ot [options]

Times the TypeScript OT solvers against POT 0.8.2 (and NumPy for the paper surrogate) on the
same inputs in this run, checks that both agree, and prints the ratios ts/reference.

Options:
  --sizes LIST       problem sizes for Sinkhorn, EMD and the surrogate (default 200,1000)
  --fgw-sizes LIST   sizes for exact FGW (default 200,1000; "" to skip)
  --dim N            feature dimension (default 384)
  --reps N           timed repetitions, best kept (default 3)
  --entropic         add FGW with the entropic inner solver (slow: ~100 s at n = 1000)
  --help             this text`;

const { values: parsed } = parseCli({
  name: "bench:ot",
  usage: USAGE,
  options: {
    sizes: { type: "string", default: "200,1000" },
    "fgw-sizes": { type: "string", default: "200,1000" },
    dim: { type: "string", default: "384" },
    reps: { type: "string", default: "3" },
    entropic: { type: "boolean", default: false },
  },
});
const values = parsed as {
  sizes: string;
  "fgw-sizes": string;
  dim: string;
  reps: string;
  entropic: boolean;
};
function sizeList(option: string, text: string): number[] {
  const out = text.split(",").filter((t) => t.trim() !== "").map(Number);
  for (const n of out) {
    if (!Number.isInteger(n) || n < 2) {
      throw new OptionError(option, `bad size "${n}" (use e.g. 200,1000 or "")`);
    }
  }
  return out;
}
let sizes: number[] = [], fgwSizes: number[] = [], dim = 0, reps = 0;
try {
  sizes = sizeList("--sizes", values.sizes);
  fgwSizes = sizeList("--fgw-sizes", values["fgw-sizes"]);
  dim = intOption(values.dim, "--dim");
  reps = intOption(values.reps, "--reps");
} catch (e) {
  if (!(e instanceof OptionError)) throw e;
  cliFail("bench:ot", e.message);
}

interface Row {
  task: string;
  n: number;
  tsSeconds: number;
  refSeconds: number;
  reference: string;
  check: string;
}

const dir = await Deno.makeTempDir({ prefix: "ot_bench_" });
const writeBin = async (name: string, data: Float64Array) => {
  const path = join(dir, name);
  await Deno.writeFile(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return path;
};
const readBin = async (path: string) => new Float64Array((await Deno.readFile(path)).buffer);

/**
 * Best time of `n` runs after `warmup` untimed ones: V8 needs a few calls to optimise a solver
 * (EMD at n = 200: ~45 ms on the first call, 2.6 ms from the ninth), and callers such as FGW make
 * many calls, so steady state is the fair number. Python gets the same warm-up runs.
 */
function best<T>(fn: () => T, n: number, warmup = 0): { out: T; seconds: number } {
  for (let w = 0; w < warmup; w++) fn();
  let out!: T, seconds = Infinity;
  for (let r = 0; r < n; r++) {
    const t = performance.now();
    out = fn();
    seconds = Math.min(seconds, (performance.now() - t) / 1000);
  }
  return { out, seconds };
}

function normalised(M: Matrix): Matrix {
  let s = 0;
  for (const x of M.data) s += x;
  const inv = M.data.length / s;
  return { rows: M.rows, cols: M.cols, data: M.data.map((x) => x * inv) };
}

function maxRelDiff(x: Float64Array, y: Float64Array): number {
  let d = 0, mx = 0;
  for (let i = 0; i < x.length; i++) {
    d = Math.max(d, Math.abs(x[i] - y[i]));
    mx = Math.max(mx, Math.abs(y[i]));
  }
  return d / mx;
}

interface Job {
  task: Record<string, unknown>;
  /** Compare with the previous job's reference answer instead of running Python again. */
  reuseRef?: boolean;
  ts: () => { seconds: number; finish: (ref: Record<string, unknown>) => Promise<string> };
  label: string;
  n: number;
}

const jobs: Job[] = [];
for (const n of [...new Set([...sizes, ...fgwSizes])].sort((a, b) => a - b)) {
  const warmup = n <= 500 ? 5 : 0;
  const Xm = randomMatrix(n, dim, 1 + n), Ym = randomMatrix(n, dim, 2 + n);
  // Clustered descriptors (8 centres), like image embeddings of a few scene types.
  const centres = randomMatrix(8, dim, 3 + n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dim; k++) {
      Xm.data[i * dim + k] = 0.5 * Xm.data[i * dim + k] + centres.data[(i % 8) * dim + k];
      Ym.data[i * dim + k] = 0.5 * Ym.data[i * dim + k] + centres.data[((i * 3) % 8) * dim + k];
    }
  }
  const X: FeatureMatrix = Xm, Y: FeatureMatrix = Ym;
  const M = normalised(sqeuclideanCdist(X, Y));
  const a = uniform(n);
  const Mpath = await writeBin(`M${n}.bin`, M.data);
  if (sizes.includes(n)) {
    const out = join(dir, `sk${n}.bin`);
    jobs.push({
      label: "sinkhorn (reg 0.05)",
      n,
      task: { kind: "sinkhorn", n, m: n, reps, warmup, M: Mpath, reg: 0.05, out },
      ts: () => {
        const r = best(() => sinkhornDetailed(a, a, M, 0.05), reps, warmup);
        return {
          seconds: r.seconds,
          finish: async (ref) =>
            `plan rel ${
              maxRelDiff(r.out.plan.data, await readBin(out)).toExponential(1)
            }, it ${r.out.iterations}/${ref.iterations}`,
        };
      },
    });
    jobs.push({
      label: "emd (network simplex)",
      n,
      task: { kind: "emd", n, m: n, reps, warmup, M: Mpath, maxIter: 1000000 },
      ts: () => {
        const r = best(() => networkSimplex(a, a, M, { maxIter: 1000000 }), reps, warmup);
        return {
          seconds: r.seconds,
          finish: (ref) =>
            Promise.resolve(
              `cost diff ${Math.abs(r.out.cost - (ref.value as number)).toExponential(1)}`,
            ),
        };
      },
    });
    const Xf = await writeBin(`X${n}.bin`, Float64Array.from(X.data));
    const Yf = await writeBin(`Y${n}.bin`, Float64Array.from(Y.data));
    jobs.push({
      label: "paper surrogate (vs NumPy)",
      n,
      task: { kind: "surrogate", n, m: n, reps, warmup, X: Xf, Y: Yf, d: dim },
      ts: () => {
        const r = best(() => fgwSurrogate(X, Y), reps, warmup);
        return {
          seconds: r.seconds,
          finish: (ref) => {
            const idx = (ref.indices as number[][]).flat(), w = (ref.weights as number[][]).flat();
            const same = idx.filter((j, e) => j === r.out.indices[e]).length / idx.length;
            const wd = maxRelDiff(r.out.weights, Float64Array.from(w));
            return Promise.resolve(
              `top-k equal ${(100 * same).toFixed(1)}%, w rel ${wd.toExponential(1)}`,
            );
          },
        };
      },
    });
  }
  if (fgwSizes.includes(n)) {
    // FGW on 2-d point clouds (features: their 1-d projection), costs divided by their mean:
    // less separable than the descriptors above, so the conditional gradient takes several steps.
    const P = randomMatrix(n, 2, 5 + n), Q = randomMatrix(n, 2, 6 + n);
    const fp = { rows: n, cols: 1, data: P.data.filter((_, e) => e % 2 === 0) };
    const fq = { rows: n, cols: 1, data: Q.data.filter((_, e) => e % 2 === 0) };
    const Mf = normalised(sqeuclideanCdist(fp, fq));
    const C1 = normalised(sqeuclideanCdist(P, P)), C2 = normalised(sqeuclideanCdist(Q, Q));
    const out = join(dir, `fgw${n}.bin`);
    const fgwReps = n > 500 ? 1 : reps;
    const task = {
      kind: "fgw",
      n,
      m: n,
      reps: fgwReps,
      warmup,
      M: await writeBin(`Mf${n}.bin`, Mf.data),
      C1: await writeBin(`C1_${n}.bin`, C1.data),
      C2: await writeBin(`C2_${n}.bin`, C2.data),
      alpha: 0.5,
      out,
    };
    for (const inner of values.entropic ? ["emd", "sinkhorn"] as const : ["emd"] as const) {
      jobs.push({
        label: inner === "emd" ? "exact FGW (α 0.5)" : "FGW, entropic inner ε 0.01 (vs exact POT)",
        n,
        task,
        reuseRef: inner === "sinkhorn",
        ts: () => {
          const r = best(
            () => fusedGromovWasserstein(Mf, C1, C2, a, a, { alpha: 0.5, inner }),
            fgwReps,
            warmup,
          );
          return {
            seconds: r.seconds,
            finish: async (ref) => {
              const rel = Math.abs(r.out.value - (ref.value as number)) / (ref.value as number);
              const plan = maxRelDiff(r.out.plan.data, await readBin(out));
              return `value rel ${rel.toExponential(1)}, plan ${
                plan.toExponential(1)
              }, it ${r.out.iterations}/${ref.iterations}`;
            },
          };
        },
      });
    }
  }
}

// One Python process (one POT import); each task runs in Python, then in TypeScript, back to back.
const anchor = new URL("./py/ot_anchor.py", import.meta.url).pathname;
const child = spawnPython([anchor]);
const toPy = child.stdin.getWriter();
const fromPy = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
let pending = "";
async function askPython(task: Record<string, unknown>): Promise<Record<string, unknown>> {
  await toPy.write(new TextEncoder().encode(JSON.stringify(task) + "\n"));
  while (!pending.includes("\n")) {
    const { value, done } = await fromPy.read();
    if (done) throw new Error("ot_anchor.py exited early");
    pending += value;
  }
  const cut = pending.indexOf("\n");
  const line = pending.slice(0, cut);
  pending = pending.slice(cut + 1);
  return JSON.parse(line);
}

const rows: Row[] = [];
let ref: Record<string, unknown> = {};
try {
  for (const job of jobs) {
    if (!job.reuseRef) ref = await askPython(job.task);
    const r = job.ts();
    const check = await r.finish(ref);
    const reference = job.task.kind === "surrogate" ? "NumPy" : "POT 0.8.2";
    rows.push({
      task: job.label,
      n: job.n,
      tsSeconds: r.seconds,
      refSeconds: ref.seconds as number,
      reference,
      check,
    });
    console.error(`done: ${job.label} n=${job.n}`);
  }
  await toPy.close();
  await child.status;
} finally {
  // Inputs for n = 1000 are tens of MB: never leave them behind, even on failure.
  await Deno.remove(dir, { recursive: true });
}

console.log(
  `best of ${reps} after 5 warm-up runs for n ≤ 500 (FGW n > 500: 1 run, no warm-up); ` +
    `ratio = TS time / reference time; descriptors ${dim}-d\n`,
);
console.log("| task | n = m | TS (s) | reference (s) | ratio | agreement |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.task} | ${r.n} | ${r.tsSeconds.toFixed(3)} | ${
      r.refSeconds.toFixed(3)
    } (${r.reference}) | ` +
      `${(r.tsSeconds / r.refSeconds).toFixed(2)} | ${r.check} |`,
  );
}
