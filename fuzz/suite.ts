/**
 * The fuzz suite: seeded PNG, JPEG, npy, zip and score-CLI cases, then the HTTP probe set against
 * a leaderboard app on a tiny dataset, then the scoring worker draining what the probes queued.
 * `deno task test` runs 300 cases; `deno task fuzz --cases N` runs more.
 * @module
 */
import { join } from "node:path";
import { formatCases, type FuzzCase, type FuzzFamily } from "../harness/fuzz/cases.ts";
import { cliCases, writeCliScratch } from "../harness/fuzz/cli_cases.ts";
import { type FuzzReport, mergeReports, runFuzz } from "../harness/fuzz/run.ts";
import { openSqlite } from "../harness/store/sqlite.ts";
import { createApp } from "../leaderboard/app.ts";
import { httpProbes } from "../leaderboard/probes.ts";
import { listSubmissions } from "../leaderboard/queue.ts";
import { makeTinyDataset, migrateAll } from "../leaderboard/testing.ts";
import { createToken } from "../leaderboard/tokens.ts";
import { processOneJob } from "../leaderboard/worker.ts";

/** Share of the generated cases per family. */
const SHARES: Record<FuzzFamily, number> = { png: 0.27, jpeg: 0.2, npy: 0.2, zip: 0.2, cli: 0.13 };

/** Options of {@link runSuite}. */
export interface SuiteOptions {
  /** Generated file and CLI cases (default 300); the HTTP probes come on top. */
  cases?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Random HTTP probes on top of the fixed hostile set (default 24). */
  httpRandom?: number;
  /** Time allowed per case, ms (default 5000). */
  caseLimitMs?: number;
}

/** Figures of the whole suite, overall and per family. */
export interface SuiteReport extends FuzzReport {
  /** Per family (`png`, …, `cli`, `http`). */
  families: Record<string, FuzzReport>;
}

/**
 * Runs the suite in a scratch folder (removed afterwards).
 * @example
 * ```ts
 * const r = await runSuite({ cases: 300 });
 * console.log(`${r.handled}/${r.tried} handled`);
 * ```
 */
export async function runSuite(opts: SuiteOptions = {}): Promise<SuiteReport> {
  const n = opts.cases ?? 300;
  const seed = opts.seed ?? 0;
  const limit = { caseLimitMs: opts.caseLimitMs ?? 5000 };
  const dir = await Deno.makeTempDir({ prefix: "isp-bench-fuzz-" });
  const families: Record<string, FuzzReport> = {};
  try {
    for (const fam of ["png", "jpeg", "npy", "zip"] as const) {
      families[fam] = await runFuzz(formatCases(fam, seed, Math.round(n * SHARES[fam])), limit);
    }
    await writeCliScratch(join(dir, "cli"));
    const cliN = n - Object.values(families).reduce((k, r) => k + r.tried, 0);
    families.cli = await runFuzz(cliCases(join(dir, "cli"), seed, cliN), limit);
    // The HTTP family ends with the worker scoring every queued probe: allow it 30 s.
    const http = await httpCases(dir, seed, opts.httpRandom ?? 24);
    families.http = await runFuzz(http, { caseLimitMs: Math.max(30_000, limit.caseLimitMs) });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return { ...mergeReports(Object.values(families)), families };
}

/** The probes, then one case per queued submission: the worker must fail it cleanly. */
async function httpCases(dir: string, seed: number, random: number): Promise<FuzzCase[]> {
  const ds = await makeTinyDataset(join(dir, "data"), { val: 2, test: 1, size: 32 });
  const db = openSqlite(join(dir, "db.sqlite"));
  await migrateAll(db);
  const app = await createApp({ db, dataDir: ds.dir, requestLimit: { max: 1e6, windowMs: 1 } });
  const token = await createToken(db, { team: "fuzz", dailyLimit: 1000 });
  const probes = httpProbes(
    { request: (p, init) => Promise.resolve(app.request(p, init)), token, valImage: ds.val[0] },
    seed,
    random,
  );
  const drain: FuzzCase = {
    name: "http:worker-drains-queued-probes",
    run: async () => {
      while (await processOneJob({ db, dataDir: ds.dir, timeoutMs: 20_000 })) { /* next */ }
      for (const s of await listSubmissions(db, { team: "fuzz" })) {
        if (s.status !== "failed" || !s.error) throw new Error(`${s.id} ended ${s.status}`);
        if (s.error.includes(dir)) throw new Error(`server path in: ${s.error}`);
        const crop = await app.request(`/crops/submission/${s.id}/${ds.val[0]}/output.png`);
        await crop.body?.cancel();
        if (crop.status !== 404) throw new Error(`failed ${s.id} serves a crop`);
      }
    },
  };
  const close: FuzzCase = { name: "http:close", run: () => db.close() };
  return [...probes, drain, close];
}
