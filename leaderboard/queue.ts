/**
 * The persisted submission queue. A submission, its payload and its job are written in one
 * transaction, so a restart loses nothing. Workers claim jobs with a lease (owner + deadline) and
 * extend it by heartbeat; a job whose lease ran out (its worker died) is claimed again by another
 * worker. On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so workers on several machines
 * never block on or take the same job; completion is fenced on the lease owner inside the same
 * transaction as the results, so a job is recorded at most once even when a slow worker's lease
 * was taken over.
 * @module
 */
import type { Db } from "../harness/store/types.ts";

/** Leaderboard phases: public validation and hidden test. */
export type Phase = "val" | "test";

/** Kinds of submission. */
export type SubmissionKind = "results" | "model";

/** Life cycle of a submission. */
export type SubmissionStatus = "queued" | "running" | "done" | "failed";

/** A submission as stored (without its payload). */
export interface Submission {
  readonly id: string;
  readonly team: string;
  readonly phase: Phase;
  readonly kind: SubmissionKind;
  readonly name: string;
  readonly status: SubmissionStatus;
  readonly error: string | null;
  readonly sizeBytes: number;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** Aggregate scores once done (JSON of {@link SubmissionSummary}). */
  readonly summary: SubmissionSummary | null;
}

/** Aggregate scores of a scored submission. */
export interface SubmissionSummary {
  readonly images: number;
  readonly psnr: { mean: number; lo: number; hi: number };
  readonly ssim: { mean: number; lo: number; hi: number };
  readonly deltaE2000: { mean: number; lo: number; hi: number };
  /** Learned parameters declared by a model submission (0 for result zips). */
  readonly params: number;
  /** Inference time per megapixel (model submissions; 0 when unknown). */
  readonly msPerMegapixel: number;
}

/** A claimed job. */
export interface Job {
  readonly id: string;
  readonly submissionId: string;
  /** How many times the job has been claimed, this claim included. */
  readonly attempts: number;
}

/** Raised when a team exceeds its daily submission limit. */
export class LimitError extends Error {
  /**
   * @param team the team at its limit
   * @param limit its daily limit
   */
  constructor(readonly team: string, readonly limit: number) {
    super(`team '${team}' reached its limit of ${limit} submissions per day (UTC)`);
    this.name = "LimitError";
  }
}

/** Raised when a worker tries to finish a job whose lease another worker now holds. */
export class LeaseLostError extends Error {
  /** @param jobId the job */
  constructor(readonly jobId: string) {
    super(`lease of job ${jobId} was lost`);
    this.name = "LeaseLostError";
  }
}

/** What {@link enqueueSubmission} needs. */
export interface NewSubmission {
  team: string;
  phase: Phase;
  kind: SubmissionKind;
  /** Display name of the entry. */
  name: string;
  /** The uploaded bytes (zip of PNGs, or the ONNX model). */
  bytes: Uint8Array;
  /** Model manifest (JSON text) for model submissions. */
  manifest?: string;
  /** Clock, for tests (default now). */
  now?: Date;
  /** The upload was already counted by {@link chargeUpload} (default false: count it here). */
  charged?: boolean;
}

/**
 * Counts one upload attempt against the team's daily limit, before its body is read: failed and
 * rejected uploads count too, so a team cannot make the server inflate or parse without bound.
 *
 * @throws {LimitError} when the team has used up today's uploads (or does not exist)
 */
export async function chargeUpload(db: Db, team: string, now = new Date()): Promise<void> {
  await db.transaction((tx) => chargeDaily(tx, team, now));
}

async function chargeDaily(tx: Db, team: string, now: Date): Promise<void> {
  const row = await tx.get<{ daily_limit: number }>(
    "SELECT daily_limit FROM lb_teams WHERE name = $1",
    [team],
  );
  if (!row) throw new LimitError(team, 0);
  // One atomic upsert, so concurrent uploads of one team cannot both pass the check.
  const c = await tx.get<{ count: number | bigint }>(
    "INSERT INTO lb_daily (team, day, count) VALUES ($1, $2, 1) " +
      "ON CONFLICT (team, day) DO UPDATE SET count = lb_daily.count + 1 RETURNING count",
    [team, now.toISOString().slice(0, 10)],
  );
  if (Number(c?.count ?? Infinity) > Number(row.daily_limit)) {
    throw new LimitError(team, Number(row.daily_limit));
  }
}

/**
 * Stores a submission and queues its scoring job; counts it against the team's daily limit.
 *
 * @throws {LimitError} when the team has used up today's submissions (nothing is stored)
 * @example
 * ```ts
 * const id = await enqueueSubmission(db, { team: "a", phase: "val", kind: "results", name: "v1", bytes });
 * ```
 */
export async function enqueueSubmission(db: Db, s: NewSubmission): Promise<string> {
  const now = s.now ?? new Date();
  const iso = now.toISOString();
  const id = crypto.randomUUID();
  await db.transaction(async (tx) => {
    if (!s.charged) await chargeDaily(tx, s.team, now);
    await tx.run(
      "INSERT INTO lb_submissions (id, team, phase, kind, name, status, size_bytes, created_at) " +
        "VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7)",
      [id, s.team, s.phase, s.kind, s.name, s.bytes.length, iso],
    );
    await tx.run(
      "INSERT INTO lb_payloads (submission_id, bytes, manifest) VALUES ($1, $2, $3)",
      [id, s.bytes, s.manifest ?? null],
    );
    await tx.run(
      "INSERT INTO lb_jobs (id, submission_id, status, attempts, created_ms, updated_at) " +
        "VALUES ($1, $1, 'queued', 0, $2, $3)",
      [id, now.getTime(), iso],
    );
  });
  return id;
}

/** Options of {@link claimJob}. */
export interface ClaimOptions {
  /** Worker id written as lease owner. */
  owner: string;
  /** Lease length in ms (default 30 000); the worker must heartbeat well within it. */
  leaseMs?: number;
  /** Claims per job before it is marked failed (default 3). */
  maxAttempts?: number;
  /** Clock, for tests (default `Date.now()`). */
  nowMs?: number;
}

/**
 * Claims the oldest queued job, or one whose lease expired. Returns `undefined` when none is
 * available (or all available ones are locked by other claimers right now).
 */
export async function claimJob(db: Db, opts: ClaimOptions): Promise<Job | undefined> {
  const now = opts.nowMs ?? Date.now();
  const lease = opts.leaseMs ?? 30_000;
  const max = opts.maxAttempts ?? 3;
  const iso = new Date(now).toISOString();
  const lock = db.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
  return await db.transaction(async (tx) => {
    // Jobs whose workers died too often are given up rather than retried forever.
    await tx.run(
      "UPDATE lb_submissions SET status = 'failed', finished_at = $1, " +
        "error = 'scoring worker was lost ' || $2 || ' times' WHERE id IN (" +
        "SELECT submission_id FROM lb_jobs WHERE status = 'running' AND lease_expires < $3 " +
        "AND attempts >= $4)",
      [iso, String(max), now, max],
    );
    await tx.run(
      "UPDATE lb_jobs SET status = 'failed', error = 'lease expired too often', updated_at = $1 " +
        "WHERE status = 'running' AND lease_expires < $2 AND attempts >= $3",
      [iso, now, max],
    );
    const row = await tx.get<{ id: string; submission_id: string; attempts: number | bigint }>(
      "UPDATE lb_jobs SET status = 'running', lease_owner = $1, lease_expires = $2, " +
        "attempts = attempts + 1, updated_at = $3 WHERE id = (" +
        "SELECT id FROM lb_jobs WHERE (status = 'queued' OR (status = 'running' AND " +
        "lease_expires < $4)) AND attempts < $5 ORDER BY created_ms, id LIMIT 1" + lock +
        ") RETURNING id, submission_id, attempts",
      [opts.owner, now + lease, iso, now, max],
    );
    if (!row) return undefined;
    await tx.run("UPDATE lb_submissions SET status = 'running' WHERE id = $1", [
      row.submission_id,
    ]);
    return { id: row.id, submissionId: row.submission_id, attempts: Number(row.attempts) };
  });
}

/** Extends a lease; false when the job is no longer this worker's. */
export async function heartbeat(
  db: Db,
  job: Job,
  owner: string,
  leaseMs = 30_000,
): Promise<boolean> {
  const r = await db.run(
    "UPDATE lb_jobs SET lease_expires = $1 WHERE id = $2 AND lease_owner = $3 AND " +
      "status = 'running'",
    [Date.now() + leaseMs, job.id, owner],
  );
  return r.changes > 0;
}

/**
 * Marks a job done inside the caller's transaction (the one writing its results).
 * @throws {LeaseLostError} when another worker holds the job now: the caller's transaction must
 *   roll back so the results are not recorded twice
 */
export async function completeJob(
  tx: Db,
  job: Job,
  owner: string,
  summary: SubmissionSummary,
): Promise<void> {
  const iso = new Date().toISOString();
  const r = await tx.run(
    "UPDATE lb_jobs SET status = 'done', updated_at = $1 WHERE id = $2 AND lease_owner = $3 " +
      "AND status = 'running'",
    [iso, job.id, owner],
  );
  if (r.changes === 0) throw new LeaseLostError(job.id);
  await tx.run(
    "UPDATE lb_submissions SET status = 'done', finished_at = $1, summary = $2, error = NULL " +
      "WHERE id = $3",
    [iso, JSON.stringify(summary), job.submissionId],
  );
}

/** Marks a job (and its submission) failed with a message the team can read. */
export async function failJob(db: Db, job: Job, owner: string, error: string): Promise<boolean> {
  const iso = new Date().toISOString();
  return await db.transaction(async (tx) => {
    const r = await tx.run(
      "UPDATE lb_jobs SET status = 'failed', error = $1, updated_at = $2 WHERE id = $3 AND " +
        "lease_owner = $4 AND status = 'running'",
      [error, iso, job.id, owner],
    );
    if (r.changes === 0) return false;
    await tx.run(
      "UPDATE lb_submissions SET status = 'failed', error = $1, finished_at = $2 WHERE id = $3",
      [error, iso, job.submissionId],
    );
    return true;
  });
}

interface SubmissionRow {
  id: string;
  team: string;
  phase: string;
  kind: string;
  name: string;
  status: string;
  error: string | null;
  size_bytes: number | bigint;
  created_at: string;
  finished_at: string | null;
  summary: string | null;
}

const SUBMISSION_COLS =
  "id, team, phase, kind, name, status, error, size_bytes, created_at, finished_at, summary";

function toSubmission(r: SubmissionRow): Submission {
  return {
    id: r.id,
    team: r.team,
    phase: r.phase as Phase,
    kind: r.kind as SubmissionKind,
    name: r.name,
    status: r.status as SubmissionStatus,
    error: r.error,
    sizeBytes: Number(r.size_bytes),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    summary: r.summary ? JSON.parse(r.summary) : null,
  };
}

/** One submission by id. */
export async function getSubmission(db: Db, id: string): Promise<Submission | undefined> {
  const r = await db.get<SubmissionRow>(
    `SELECT ${SUBMISSION_COLS} FROM lb_submissions WHERE id = $1`,
    [id],
  );
  return r ? toSubmission(r) : undefined;
}

/** Submissions, newest first; optionally of one team and/or phase and/or status. */
export async function listSubmissions(
  db: Db,
  filter: { team?: string; phase?: Phase; status?: SubmissionStatus; limit?: number } = {},
): Promise<Submission[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  for (
    const [col, v] of [["team", filter.team], ["phase", filter.phase], [
      "status",
      filter.status,
    ]] as const
  ) {
    if (v !== undefined) {
      params.push(v);
      where.push(`${col} = $${params.length}`);
    }
  }
  params.push(filter.limit ?? 1000);
  const rows = await db.all<SubmissionRow>(
    `SELECT ${SUBMISSION_COLS} FROM lb_submissions` +
      (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
      ` ORDER BY created_at DESC, id LIMIT $${params.length}`,
    params,
  );
  return rows.map(toSubmission);
}

/** The stored upload of a submission. */
export async function getPayload(
  db: Db,
  id: string,
): Promise<{ bytes: Uint8Array; manifest: string | null } | undefined> {
  const r = await db.get<{ bytes: Uint8Array; manifest: string | null }>(
    "SELECT bytes, manifest FROM lb_payloads WHERE submission_id = $1",
    [id],
  );
  return r ? { bytes: new Uint8Array(r.bytes), manifest: r.manifest } : undefined;
}

/** A stored crop of a scored validation submission's output (PNG), or `undefined`. */
export async function getCrop(
  db: Db,
  submissionId: string,
  image: string,
): Promise<Uint8Array | undefined> {
  const r = await db.get<{ png: Uint8Array }>(
    "SELECT png FROM lb_crops WHERE submission_id = $1 AND image = $2",
    [submissionId, image],
  );
  return r ? new Uint8Array(r.png) : undefined;
}

/** Whether the organizer has revealed a phase's per-image results. */
export async function isRevealed(db: Db, phase: Phase): Promise<boolean> {
  if (phase === "val") return true;
  const r = await db.get<{ revealed: number | bigint }>(
    "SELECT revealed FROM lb_phases WHERE phase = $1",
    [phase],
  );
  return Number(r?.revealed ?? 0) === 1;
}

/** Reveals (or hides again) a phase's per-image results. */
export async function setRevealed(db: Db, phase: Phase, revealed: boolean): Promise<void> {
  await db.run(
    "INSERT INTO lb_phases (phase, revealed, revealed_at) VALUES ($1, $2, $3) " +
      "ON CONFLICT (phase) DO UPDATE SET revealed = $2, revealed_at = $3",
    [phase, revealed ? 1 : 0, new Date().toISOString()],
  );
}
