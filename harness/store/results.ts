/**
 * The results schema and its API: runs (one method × phase × seed on one dataset), per-image
 * scores and per-run aggregates, plus the per-phase leaderboard.
 *
 * API in short (all functions take a migrated {@link Db}; see `openResultsDb`):
 * - `startRun(db, run)` records a run as `running` before work starts (visible in dashboards).
 * - `saveRun(db, { run, scores, aggregate, method })` writes the finished (or failed) run, its
 *   scores and aggregate in ONE transaction: after a crash either all of it or none is visible.
 * - `findDoneRun(db, key)` finds a finished run for (method, phase, seed, options, dataset hash):
 *   the resume check. Failed and still-`running` runs are not returned, so they are redone.
 * - `leaderboard(db, phase)`, `perImageScores(db, method, phase)`, `methodInfo(db, method)`,
 *   `listRuns(db, filter)`, `getRun(db, id)`.
 *
 * Leaderboard policy: per method, the runs of its most recently finished option set (or of the
 * option set pinned by `optionSets`) on the selected dataset are used, the latest run per seed, and each image's scores are averaged over
 * seeds (the mean over seeds, not the best seed: picking the best seed would reward noise). Means
 * and 95% intervals are bootstrapped over scenes (patches `<scene>_<index>`) or else images; ranks come from `rankWithTies` (paired bootstrap
 * on PSNR; methods not separated share a rank; order by PSNR, then SSIM, then ΔE2000).
 *
 * Other packages add tables through {@link migrate} with their own namespace
 * (`leaderboard/001_…`); the tables here are `methods`, `runs`, `scores` and `aggregates`.
 * @module
 */
import {
  bootstrapMean,
  type BootstrapOptions,
  rankWithTies,
  sceneGroups,
} from "../stats/bootstrap.ts";
import { migrate } from "./migrate.ts";
import { openDb, type OpenDbOptions } from "./open.ts";
import type { Db, ImageScore, Interval, LeaderboardRow, Migration } from "./types.ts";

/** Option values of a run, as passed to the method. */
export type RunOptions = Readonly<Record<string, number | string | boolean>>;

/** What makes two runs the same work: the resume key. */
export interface RunKey {
  /** Method (or submission) name. */
  readonly method: string;
  /** Phase, `val` or `test`. */
  readonly phase: string;
  /** Seed of training and rendering. */
  readonly seed: number;
  /** Option values (defaults filled in). */
  readonly options: RunOptions;
  /** Content hash of the dataset the run used. */
  readonly datasetHash: string;
}

/** State of a run. */
export type RunStatus = "running" | "done" | "failed";

/** A stored run. */
export interface RunRecord extends RunKey {
  /** Unique id. */
  readonly id: string;
  /** State. */
  readonly status: RunStatus;
  /** Error message of a failed run. */
  readonly error?: string;
  /** Learned parameters of the trained model. */
  readonly params: number;
  /** True for upper bounds that saw the true pairs. */
  readonly usesTruth: boolean;
  /** Training time, ms (shared by the phases rendered from one training). */
  readonly trainMs?: number;
  /** Wall time of the run (training + rendering + scoring), ms. */
  readonly wallMs?: number;
  /** Inference time per megapixel of output, ms. */
  readonly msPerMegapixel?: number;
  /** Number of scored images. */
  readonly images: number;
  /** Human-readable dataset id (folder name or `dataset.json` name). */
  readonly datasetId: string;
  /** When the run started (ISO 8601). */
  readonly createdAt: string;
  /** When it finished or failed (ISO 8601). */
  readonly finishedAt?: string;
}

/** Means and intervals of one run. */
export interface RunAggregate {
  /** Mean PSNR over images with its 95% interval, dB. */
  readonly psnr: Interval;
  /** Mean SSIM with its interval. */
  readonly ssim: Interval;
  /** Mean ΔE2000 with its interval. */
  readonly deltaE2000: Interval;
  /** PSNR of the MSE pooled over images (torchmetrics' accumulated variant), dB. */
  readonly psnrPooled?: number;
}

/** A method's description as shown on the leaderboard. */
export interface MethodInfo {
  /** Registry name. */
  readonly name: string;
  /** One paragraph. */
  readonly description: string;
  /** Learned parameters. */
  readonly params: number;
  /** True for upper bounds. */
  readonly usesTruth: boolean;
  /** Option specs as JSON-able data. */
  readonly optionSpec?: Readonly<Record<string, unknown>>;
}

/** A method's description plus a summary of its stored runs. */
export interface MethodSummary extends MethodInfo {
  /** Runs per status. */
  readonly runs: Readonly<Record<RunStatus, number>>;
  /** Phases with at least one finished run. */
  readonly phases: readonly string[];
  /** Error of the latest failed run, if any. */
  readonly lastError?: string;
}

const INIT = `
CREATE TABLE methods (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  params BIGINT NOT NULL DEFAULT 0,
  uses_truth INTEGER NOT NULL DEFAULT 0,
  option_spec TEXT NOT NULL DEFAULT '{}',
  updated_at TEXT NOT NULL
);
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  run_key TEXT NOT NULL,
  method TEXT NOT NULL,
  phase TEXT NOT NULL,
  seed BIGINT NOT NULL,
  options TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  error TEXT,
  params BIGINT NOT NULL DEFAULT 0,
  uses_truth INTEGER NOT NULL DEFAULT 0,
  train_ms DOUBLE PRECISION,
  wall_ms DOUBLE PRECISION,
  ms_per_mp DOUBLE PRECISION,
  n_images INTEGER NOT NULL DEFAULT 0,
  dataset_id TEXT NOT NULL,
  dataset_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX runs_by_key ON runs (run_key, status);
CREATE INDEX runs_by_phase ON runs (phase, status, dataset_hash);
CREATE TABLE scores (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  image TEXT NOT NULL,
  psnr DOUBLE PRECISION NOT NULL,
  ssim DOUBLE PRECISION NOT NULL,
  delta_e2000 DOUBLE PRECISION NOT NULL,
  psnr_capped INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, image)
);
CREATE TABLE aggregates (
  run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  n_images INTEGER NOT NULL,
  psnr_mean DOUBLE PRECISION NOT NULL,
  psnr_lo DOUBLE PRECISION NOT NULL,
  psnr_hi DOUBLE PRECISION NOT NULL,
  ssim_mean DOUBLE PRECISION NOT NULL,
  ssim_lo DOUBLE PRECISION NOT NULL,
  ssim_hi DOUBLE PRECISION NOT NULL,
  de_mean DOUBLE PRECISION NOT NULL,
  de_lo DOUBLE PRECISION NOT NULL,
  de_hi DOUBLE PRECISION NOT NULL,
  psnr_pooled DOUBLE PRECISION
)`;

/**
 * Migrations of the results tables. The DDL uses type names both engines understand
 * (SQLite maps `DOUBLE PRECISION` to REAL and `BIGINT` to INTEGER affinity).
 */
export const RESULTS_MIGRATIONS: readonly Migration[] = [
  { id: "results/001_init", sqlite: INIT, postgres: INIT },
];

/**
 * Opens a database (see `openDb`) and applies {@link RESULTS_MIGRATIONS}.
 * @example
 * ```ts
 * const db = await openResultsDb("out/results.sqlite");
 * console.table(await leaderboard(db, "val"));
 * await db.close();
 * ```
 */
export async function openResultsDb(url: string, opts: OpenDbOptions = {}): Promise<Db> {
  const db = await openDb(url, opts);
  try {
    await migrate(db, RESULTS_MIGRATIONS);
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}

/** Options as canonical JSON (sorted keys), so equal options always give equal text. */
export function canonicalOptions(options: RunOptions): string {
  const sorted: Record<string, number | string | boolean> = {};
  for (const k of Object.keys(options).sort()) sorted[k] = options[k];
  return JSON.stringify(sorted);
}

/**
 * The resume key as a hex SHA-256 of (method, phase, seed, canonical options, dataset hash).
 * @example
 * ```ts
 * const k = await runKeyHash({ method: "classical", phase: "val", seed: 0, options: {},
 *   datasetHash: "ab12…" });
 * ```
 */
export async function runKeyHash(key: RunKey): Promise<string> {
  const text = JSON.stringify([
    key.method,
    key.phase,
    key.seed,
    canonicalOptions(key.options),
    key.datasetHash,
  ]);
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

interface RunRow {
  id: string;
  method: string;
  phase: string;
  seed: number;
  options: string;
  status: RunStatus;
  error: string | null;
  params: number;
  uses_truth: number;
  train_ms: number | null;
  wall_ms: number | null;
  ms_per_mp: number | null;
  n_images: number;
  dataset_id: string;
  dataset_hash: string;
  created_at: string;
  finished_at: string | null;
}

const RUN_COLUMNS = "id, method, phase, seed, options, status, error, params, uses_truth, " +
  "train_ms, wall_ms, ms_per_mp, n_images, dataset_id, dataset_hash, created_at, finished_at";

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    method: r.method,
    phase: r.phase,
    seed: Number(r.seed),
    options: JSON.parse(r.options),
    status: r.status,
    ...(r.error !== null ? { error: r.error } : {}),
    params: Number(r.params),
    usesTruth: Number(r.uses_truth) === 1,
    ...(r.train_ms !== null ? { trainMs: r.train_ms } : {}),
    ...(r.wall_ms !== null ? { wallMs: r.wall_ms } : {}),
    ...(r.ms_per_mp !== null ? { msPerMegapixel: r.ms_per_mp } : {}),
    images: Number(r.n_images),
    datasetId: r.dataset_id,
    datasetHash: r.dataset_hash,
    createdAt: r.created_at,
    ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
  };
}

/** Fields of a new run; the id and times are filled in when absent. */
export type NewRun = RunKey & Partial<Omit<RunRecord, keyof RunKey>> & {
  readonly datasetId: string;
};

function completeRun(run: NewRun, status: RunStatus): RunRecord {
  const now = new Date().toISOString();
  return {
    id: run.id ?? crypto.randomUUID(),
    status,
    params: 0,
    usesTruth: false,
    images: 0,
    createdAt: now,
    ...run,
    ...(status !== "running" && !run.finishedAt ? { finishedAt: now } : {}),
  } as RunRecord;
}

async function upsertRun(db: Db, run: RunRecord): Promise<void> {
  const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);
  await db.run(
    `INSERT INTO runs (${RUN_COLUMNS}, run_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
     ON CONFLICT (id) DO UPDATE SET status = $6, error = $7, params = $8, uses_truth = $9,
       train_ms = $10, wall_ms = $11, ms_per_mp = $12, n_images = $13, finished_at = $17`,
    [
      run.id,
      run.method,
      run.phase,
      run.seed,
      canonicalOptions(run.options),
      run.status,
      run.error ?? null,
      run.params,
      run.usesTruth ? 1 : 0,
      finite(run.trainMs),
      finite(run.wallMs),
      finite(run.msPerMegapixel),
      run.images,
      run.datasetId,
      run.datasetHash,
      run.createdAt,
      run.finishedAt ?? null,
      await runKeyHash(run),
    ],
  );
}

/**
 * Records a run as `running` (its own small transaction) and returns the stored record.
 * @example
 * ```ts
 * const run = await startRun(db, { method: "classical", phase: "val", seed: 0, options: {},
 *   datasetHash, datasetId: "small-seed0" });
 * ```
 */
export async function startRun(db: Db, run: NewRun): Promise<RunRecord> {
  const rec = completeRun(run, "running");
  await upsertRun(db, rec);
  return rec;
}

/** Records a method's description (insert or update). */
export async function saveMethodInfo(db: Db, info: MethodInfo): Promise<void> {
  await db.run(
    `INSERT INTO methods (name, description, params, uses_truth, option_spec, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (name) DO UPDATE SET description = $2, params = $3, uses_truth = $4,
       option_spec = $5, updated_at = $6`,
    [
      info.name,
      info.description,
      info.params,
      info.usesTruth ? 1 : 0,
      JSON.stringify(info.optionSpec ?? {}),
      new Date().toISOString(),
    ],
  );
}

/** What {@link saveRun} writes. */
export interface RunResult {
  /** The run; `status` defaults to `done`, or `failed` when `error` is set. */
  readonly run: NewRun;
  /** Per-image scores (empty for a failed run). */
  readonly scores?: readonly ImageScore[];
  /** Aggregate of the scores (absent for a failed run). */
  readonly aggregate?: RunAggregate;
  /** The method's description, recorded alongside. */
  readonly method?: MethodInfo;
}

/**
 * Writes a finished or failed run with its scores and aggregate in ONE transaction, replacing a
 * previous record with the same id (e.g. the `running` row of {@link startRun}).
 *
 * @throws {RangeError} for a non-finite score (callers record such runs as failed instead)
 * @example
 * ```ts
 * await saveRun(db, { run: { ...started, wallMs, msPerMegapixel }, scores, aggregate });
 * ```
 */
export async function saveRun(db: Db, result: RunResult): Promise<RunRecord> {
  const scores = result.scores ?? [];
  const status = result.run.error !== undefined || result.run.status === "failed"
    ? "failed"
    : "done";
  for (const s of scores) {
    for (const k of ["psnr", "ssim", "deltaE2000"] as const) {
      if (!Number.isFinite(s[k])) throw new RangeError(`score ${k} of '${s.image}' is ${s[k]}`);
    }
  }
  const rec = completeRun({ ...result.run, images: scores.length, status }, status);
  await db.transaction(async (tx) => {
    if (result.method) await saveMethodInfo(tx, result.method);
    await upsertRun(tx, rec);
    await tx.run("DELETE FROM scores WHERE run_id = $1", [rec.id]);
    await tx.run("DELETE FROM aggregates WHERE run_id = $1", [rec.id]);
    for (const s of scores) {
      await tx.run(
        `INSERT INTO scores (run_id, image, psnr, ssim, delta_e2000, psnr_capped)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [rec.id, s.image, s.psnr, s.ssim, s.deltaE2000, s.psnrCapped ? 1 : 0],
      );
    }
    const a = result.aggregate;
    if (a) {
      await tx.run(
        `INSERT INTO aggregates (run_id, n_images, psnr_mean, psnr_lo, psnr_hi, ssim_mean, ssim_lo,
           ssim_hi, de_mean, de_lo, de_hi, psnr_pooled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          rec.id,
          scores.length,
          a.psnr.mean,
          a.psnr.lo,
          a.psnr.hi,
          a.ssim.mean,
          a.ssim.lo,
          a.ssim.hi,
          a.deltaE2000.mean,
          a.deltaE2000.lo,
          a.deltaE2000.hi,
          a.psnrPooled ?? null,
        ],
      );
    }
  });
  return rec;
}

/**
 * The latest finished run with this key, or undefined: the resume check.
 * @example
 * ```ts
 * if (await findDoneRun(db, key)) console.error("already done, skipping");
 * ```
 */
export async function findDoneRun(db: Db, key: RunKey): Promise<RunRecord | undefined> {
  const row = await db.get<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM runs WHERE run_key = $1 AND status = 'done'
     ORDER BY finished_at DESC, id DESC LIMIT 1`,
    [await runKeyHash(key)],
  );
  return row ? toRecord(row) : undefined;
}

/** One run by id. */
export async function getRun(db: Db, id: string): Promise<RunRecord | undefined> {
  const row = await db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
  return row ? toRecord(row) : undefined;
}

/** Filter of {@link listRuns}; every field is optional. */
export interface RunFilter {
  /** Only this method. */
  readonly method?: string;
  /** Only this phase. */
  readonly phase?: string;
  /** Only this state. */
  readonly status?: RunStatus;
  /** Only this dataset. */
  readonly datasetHash?: string;
}

/**
 * Runs matching a filter, newest first.
 * @example
 * ```ts
 * const failed = await listRuns(db, { status: "failed" });
 * ```
 */
export async function listRuns(db: Db, filter: RunFilter = {}): Promise<RunRecord[]> {
  const where: string[] = [];
  const params: string[] = [];
  const cols: [keyof RunFilter, string][] = [
    ["method", "method"],
    ["phase", "phase"],
    ["status", "status"],
    ["datasetHash", "dataset_hash"],
  ];
  for (const [k, col] of cols) {
    const v = filter[k];
    if (v !== undefined) {
      params.push(v);
      where.push(`${col} = $${params.length}`);
    }
  }
  const rows = await db.all<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? "WHERE " + where.join(" AND ") : ""}
     ORDER BY created_at DESC, id DESC`,
    params,
  );
  return rows.map(toRecord);
}

/** Stored aggregate of one run. */
export async function runAggregate(db: Db, runId: string): Promise<RunAggregate | undefined> {
  const r = await db.get<Record<string, number | null>>(
    "SELECT * FROM aggregates WHERE run_id = $1",
    [runId],
  );
  if (!r) return undefined;
  const iv = (p: string): Interval => ({
    mean: r[`${p}_mean`] as number,
    lo: r[`${p}_lo`] as number,
    hi: r[`${p}_hi`] as number,
  });
  return {
    psnr: iv("psnr"),
    ssim: iv("ssim"),
    deltaE2000: iv("de"),
    ...(r.psnr_pooled !== null ? { psnrPooled: r.psnr_pooled } : {}),
  };
}

interface ScoreRow {
  run_id: string;
  image: string;
  psnr: number;
  ssim: number;
  delta_e2000: number;
  psnr_capped: number;
}

/** Options of {@link leaderboard} and {@link perImageScores}. */
export interface LeaderboardOptions {
  /** Dataset to rank on; default: that of the most recently finished run of the phase. */
  readonly datasetHash?: string;
  /** Bootstrap settings of intervals and ranks (default 2000 resamples, seed 0). */
  readonly bootstrap?: BootstrapOptions;
  /** Rank only these methods (default: every method with a finished run). */
  readonly methods?: readonly string[];
  /**
   * Per method, the option set whose runs count (e.g. the options of the bench that just ran);
   * methods not listed use their most recently finished option set.
   */
  readonly optionSets?: Readonly<Record<string, RunOptions>>;
}

/** The runs the leaderboard uses per method (see the module doc for the policy). */
async function selectRuns(
  db: Db,
  phase: string,
  opts: LeaderboardOptions,
  method?: string,
): Promise<Map<string, RunRecord[]>> {
  let datasetHash = opts.datasetHash;
  if (datasetHash === undefined) {
    const latest = await db.get<{ dataset_hash: string }>(
      `SELECT dataset_hash FROM runs WHERE phase = $1 AND status = 'done'
       ORDER BY finished_at DESC, id DESC LIMIT 1`,
      [phase],
    );
    if (!latest) return new Map();
    datasetHash = latest.dataset_hash;
  }
  const runs = await listRuns(db, { phase, status: "done", datasetHash, method });
  runs.sort((a, b) =>
    (b.finishedAt ?? "").localeCompare(a.finishedAt ?? "") || b.id.localeCompare(a.id)
  );
  const chosen = new Map<string, { options: string; bySeed: Map<number, RunRecord> }>();
  const pinned = opts.optionSets ?? {};
  for (const r of runs) {
    const opt = canonicalOptions(r.options);
    const pin = Object.hasOwn(pinned, r.method) ? canonicalOptions(pinned[r.method]) : undefined;
    if (pin !== undefined && pin !== opt) continue;
    let entry = chosen.get(r.method);
    if (!entry) chosen.set(r.method, entry = { options: opt, bySeed: new Map() });
    if (entry.options === opt && !entry.bySeed.has(r.seed)) entry.bySeed.set(r.seed, r);
  }
  const out = new Map<string, RunRecord[]>();
  for (const [m, e] of chosen) {
    if (opts.methods && !opts.methods.includes(m)) continue;
    out.set(m, [...e.bySeed.values()].sort((a, b) => a.seed - b.seed));
  }
  return out;
}

/** Per-image scores of a set of runs, averaged over the runs (seeds); sorted by image. */
async function seedAveraged(db: Db, runs: readonly RunRecord[]): Promise<ImageScore[]> {
  const acc = new Map<
    string,
    { n: number; psnr: number; ssim: number; de: number; cap: boolean }
  >();
  for (const run of runs) {
    const rows = await db.all<ScoreRow>(
      "SELECT * FROM scores WHERE run_id = $1 ORDER BY image",
      [run.id],
    );
    for (const r of rows) {
      const a = acc.get(r.image) ?? { n: 0, psnr: 0, ssim: 0, de: 0, cap: true };
      a.n++;
      a.psnr += r.psnr;
      a.ssim += r.ssim;
      a.de += r.delta_e2000;
      a.cap &&= Number(r.psnr_capped) === 1;
      acc.set(r.image, a);
    }
  }
  // An image missing from one seed's run would bias its average, so only images of every run count.
  return [...acc.entries()]
    .filter(([, a]) => a.n === runs.length)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([image, a]) => ({
      image,
      psnr: a.psnr / a.n,
      ssim: a.ssim / a.n,
      deltaE2000: a.de / a.n,
      ...(a.cap ? { psnrCapped: true } : {}),
    }));
}

/**
 * Per-image scores of a method in a phase, as the leaderboard uses them (averaged over seeds).
 * @example
 * ```ts
 * for (const s of await perImageScores(db, "classical", "val")) console.log(s.image, s.psnr);
 * ```
 */
export async function perImageScores(
  db: Db,
  method: string,
  phase: string,
  opts: LeaderboardOptions = {},
): Promise<ImageScore[]> {
  const runs = (await selectRuns(db, phase, opts, method)).get(method);
  return runs ? await seedAveraged(db, runs) : [];
}

/**
 * The ranked leaderboard of a phase (see the module doc for the policy), best first.
 * Intervals are over each method's images; ranks are over the images every method has.
 * @example
 * ```ts
 * for (const row of await leaderboard(db, "test")) console.log(row.rank, row.method, row.psnr);
 * ```
 */
export async function leaderboard(
  db: Db,
  phase: string,
  opts: LeaderboardOptions = {},
): Promise<LeaderboardRow[]> {
  const selected = await selectRuns(db, phase, opts);
  const entries: { runs: RunRecord[]; scores: ImageScore[] }[] = [];
  for (const runs of selected.values()) {
    const scores = await seedAveraged(db, runs);
    if (scores.length > 0) entries.push({ runs, scores });
  }
  if (entries.length === 0) return [];
  let common = new Set(entries[0].scores.map((s) => s.image));
  for (const e of entries) {
    const own = new Set(e.scores.map((s) => s.image));
    common = new Set([...common].filter((i) => own.has(i)));
  }
  const boot = opts.bootstrap ?? {};
  const ranked = new Map<string, { rank: number; order: number }>();
  if (common.size > 0) {
    const commonNames = entries[0].scores.filter((x) => common.has(x.image)).map((x) => x.image);
    const rankEntries = entries.map((e) => {
      const by = new Map(e.scores.map((x) => [x.image, x]));
      const s = commonNames.map((n) => by.get(n)!);
      return {
        name: e.runs[0].method,
        psnr: s.map((x) => x.psnr),
        ssim: s.map((x) => x.ssim),
        deltaE2000: s.map((x) => x.deltaE2000),
      };
    });
    const rankBoot = { ...boot, groups: boot.groups ?? sceneGroups(commonNames) };
    for (const r of rankWithTies(rankEntries, rankBoot)) {
      ranked.set(r.name, { rank: r.rank, order: r.order });
    }
  }
  const rows = entries.map((e): LeaderboardRow & { order: number } => {
    const latest = e.runs.reduce((a, b) => ((b.finishedAt ?? "") > (a.finishedAt ?? "") ? b : a));
    const ms = e.runs.map((r) => r.msPerMegapixel).filter((v): v is number => v !== undefined);
    const name = latest.method;
    const r = ranked.get(name);
    const own = { ...boot, groups: boot.groups ?? sceneGroups(e.scores.map((s) => s.image)) };
    return {
      method: name,
      phase,
      rank: r?.rank ?? entries.length,
      psnr: bootstrapMean(e.scores.map((s) => s.psnr), own),
      ssim: bootstrapMean(e.scores.map((s) => s.ssim), own),
      deltaE2000: bootstrapMean(e.scores.map((s) => s.deltaE2000), own),
      params: latest.params,
      msPerMegapixel: ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : NaN,
      usesTruth: latest.usesTruth,
      createdAt: latest.finishedAt ?? latest.createdAt,
      runId: latest.id,
      order: r?.order ?? entries.length,
    };
  });
  rows.sort((a, b) => a.order - b.order || a.method.localeCompare(b.method));
  return rows.map(({ order: _order, ...row }) => row);
}

/**
 * A method's stored description and run counts, or undefined when nothing is known about it.
 * @example
 * ```ts
 * const info = await methodInfo(db, "color-transfer");
 * ```
 */
export async function methodInfo(db: Db, method: string): Promise<MethodSummary | undefined> {
  const m = await db.get<{
    name: string;
    description: string;
    params: number;
    uses_truth: number;
    option_spec: string;
  }>("SELECT name, description, params, uses_truth, option_spec FROM methods WHERE name = $1", [
    method,
  ]);
  const counts = await db.all<{ status: RunStatus; n: number }>(
    "SELECT status, COUNT(*) AS n FROM runs WHERE method = $1 GROUP BY status",
    [method],
  );
  if (!m && counts.length === 0) return undefined;
  const runs: Record<RunStatus, number> = { running: 0, done: 0, failed: 0 };
  for (const c of counts) runs[c.status] = Number(c.n);
  const phases = await db.all<{ phase: string }>(
    "SELECT DISTINCT phase FROM runs WHERE method = $1 AND status = 'done' ORDER BY phase",
    [method],
  );
  const failed = await db.get<{ error: string | null }>(
    `SELECT error FROM runs WHERE method = $1 AND status = 'failed'
     ORDER BY finished_at DESC, id DESC LIMIT 1`,
    [method],
  );
  const latest = m ? undefined : (await listRuns(db, { method }))[0];
  return {
    name: method,
    description: m?.description ?? "",
    params: m ? Number(m.params) : latest?.params ?? 0,
    usesTruth: m ? Number(m.uses_truth) === 1 : latest?.usesTruth ?? false,
    ...(m ? { optionSpec: JSON.parse(m.option_spec) } : {}),
    runs,
    phases: phases.map((p) => p.phase),
    ...(failed?.error ? { lastError: failed.error } : {}),
  };
}
