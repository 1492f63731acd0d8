/**
 * Scoring workers: claim a job from the store's queue, score it while heartbeating its lease, and
 * record the per-image scores and the job's completion in one transaction fenced on the lease.
 * Result zips are scored in a worker thread (`score_thread.ts`) so a server running the worker
 * in-process keeps answering requests. Runs in-process beside the web app (default) or as separate
 * processes, on other machines with the PostgreSQL store:
 *
 * ```sh
 * deno run -A leaderboard/worker.ts --db postgres://… --data DATASET [--lease-ms 30000]
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { printable } from "../harness/text.ts";
import { InputError } from "../harness/errors.ts";
import type { ZipLimits } from "../harness/io/zip.ts";
import { migrate } from "../harness/store/migrate.ts";
import { openDb } from "../harness/store/open.ts";
import type { Db } from "../harness/store/types.ts";
import {
  claimJob,
  completeJob,
  failJob,
  getPayload,
  getSubmission,
  heartbeat,
  type Job,
  LeaseLostError,
  type Submission,
} from "./queue.ts";
import { createThreadedModelScorer } from "./model_thread.ts";
import { LEADERBOARD_MIGRATIONS } from "./schema.ts";
import { listValImages } from "./crops.ts";
import { scoreZipInThread } from "./score_thread.ts";
import { phaseBudget, type SubmissionScores, targetDir } from "./scoring.ts";

/** Scores a model submission (an ONNX file + manifest) on a phase; plugged in by the caller. */
export type ModelScorer = (
  sub: Submission,
  payload: { bytes: Uint8Array; manifest: string | null },
  opts: {
    dataDir: string;
    onImage: () => Promise<void>;
    /** Aborted when the job's lease is lost (a threaded scorer terminates its thread). */
    signal?: AbortSignal;
  },
) => Promise<SubmissionScores>;

/** Settings of a worker. */
export interface WorkerOptions {
  /** The store holding the queue. */
  db: Db;
  /** Dataset folder with the phases' targets. */
  dataDir: string;
  /** Lease owner id (default: a random id). */
  owner?: string;
  /** Lease length, ms (default 30 000). Heartbeats run every third of it. */
  leaseMs?: number;
  /** Sleep between empty polls, ms (default 1000). */
  pollMs?: number;
  /** Claims per job before giving up (default 3). */
  maxAttempts?: number;
  /** Limits on result zips (default: sized to the phase's targets, see `phaseBudget`). */
  zipLimits?: ZipLimits;
  /** Wall-clock limit of scoring one result zip, ms (default 600 000). */
  timeoutMs?: number;
  /** Scorer of model submissions (without one they fail with a clear message). */
  scoreModel?: ModelScorer;
  /** Called after a job's results are committed. */
  onDone?: (job: Job, sub: Submission) => void;
  /** Log lines (default: none). */
  log?: (line: string) => void;
  /**
   * Extra delay per scored image, ms (default 0). Only for fault-injection tests that must kill
   * a worker while it is demonstrably mid-job.
   */
  delayPerImageMs?: number;
}

/** A running worker loop. */
export interface WorkerHandle {
  /** Wakes the loop now (e.g. right after an upload) instead of at the next poll. */
  wake(): void;
  /** Stops after the current job; resolves when the loop has ended. */
  stop(): Promise<void>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Claims and processes one job. Returns false when the queue had nothing to claim.
 * @example
 * ```ts
 * while (await processOneJob({ db, dataDir: "data" })) {}
 * ```
 */
export async function processOneJob(opts: WorkerOptions): Promise<boolean> {
  const owner = opts.owner ?? `worker-${crypto.randomUUID()}`;
  const leaseMs = opts.leaseMs ?? 30_000;
  const job = await claimJob(opts.db, { owner, leaseMs, maxAttempts: opts.maxAttempts });
  if (!job) return false;
  opts.log?.(`claimed ${job.id} attempt ${job.attempts}`);
  const sub = await getSubmission(opts.db, job.submissionId);
  const payload = await getPayload(opts.db, job.submissionId);
  if (!sub || !payload) {
    await failJob(opts.db, job, owner, "submission or payload missing from the store");
    return true;
  }
  // The lease is renewed by a timer: result zips are scored in a worker thread and models run
  // asynchronously, so the event loop stays free to send heartbeats.
  const lease = new AbortController();
  const beat = setInterval(() => {
    heartbeat(opts.db, job, owner, leaseMs).then(
      (held) => held || lease.abort(new LeaseLostError(job.id)),
      (e) => opts.log?.(`heartbeat failed: ${(e as Error).message}`),
    );
  }, Math.max(10, leaseMs / 3));
  const onImage = async () => {
    if (opts.delayPerImageMs) await sleep(opts.delayPerImageMs);
    lease.signal.throwIfAborted();
    await sleep(0); // let the web server answer requests between images
  };
  try {
    const gt = await targetDir(opts.dataDir, sub.phase);
    if (!gt) throw new InputError(sub.phase, "this phase has no targets on the scoring machine");
    let scores: SubmissionScores;
    if (sub.kind === "results") {
      const vals = sub.phase === "val" ? await listValImages(opts.dataDir) : new Map();
      scores = await scoreZipInThread(payload.bytes, gt, {
        file: `${sub.name}.zip`,
        zipLimits: opts.zipLimits ?? (await phaseBudget(gt)).zip,
        delayPerImageMs: opts.delayPerImageMs,
        signal: lease.signal,
        timeoutMs: opts.timeoutMs,
        cropImages: [...vals.keys()].sort().slice(0, 4),
      });
    } else if (opts.scoreModel) {
      scores = await opts.scoreModel(sub, payload, {
        dataDir: opts.dataDir,
        onImage,
        signal: lease.signal,
      });
    } else {
      throw new InputError(`${sub.name}.onnx`, "model submissions are not enabled on this server");
    }
    clearInterval(beat);
    lease.signal.throwIfAborted();
    await opts.db.transaction(async (tx) => {
      for (const s of scores.images) {
        await tx.run(
          "INSERT INTO lb_image_scores (submission_id, image, psnr, ssim, delta_e, psnr_capped) " +
            "VALUES ($1, $2, $3, $4, $5, $6)",
          [sub.id, s.image, s.psnr, s.ssim, s.deltaE2000, s.psnrCapped ? 1 : 0],
        );
      }
      for (const c of scores.crops ?? []) {
        await tx.run(
          "INSERT INTO lb_crops (submission_id, image, png) VALUES ($1, $2, $3) " +
            "ON CONFLICT (submission_id, image) DO NOTHING",
          [sub.id, c.image, c.png],
        );
      }
      await completeJob(tx, job, owner, scores.summary);
    });
    opts.log?.(`done ${job.id}`);
    opts.onDone?.(job, sub);
  } catch (e) {
    clearInterval(beat);
    if (e instanceof LeaseLostError) {
      opts.log?.(`lost ${job.id}`);
      return true;
    }
    // Only input errors are the team's to read; anything else may name server paths, and even an
    // input error is stripped of the dataset's location.
    const msg = e instanceof InputError
      ? e.message.replaceAll(opts.dataDir, "<data>")
      : "internal scoring error (see the server log)";
    opts.log?.(`failed ${job.id}: ${e instanceof InputError ? msg : (e as Error).stack}`);
    await failJob(opts.db, job, owner, msg);
  }
  return true;
}

/**
 * Starts a worker loop that processes jobs until stopped.
 * @example
 * ```ts
 * const w = startWorker({ db, dataDir: "data" });
 * await w.stop();
 * ```
 */
export function startWorker(opts: WorkerOptions): WorkerHandle {
  const owner = opts.owner ?? `worker-${crypto.randomUUID()}`;
  let stopped = false;
  let wakeCtl = new AbortController();
  const loop = (async () => {
    while (!stopped) {
      let worked = false;
      try {
        worked = await processOneJob({ ...opts, owner });
      } catch (e) {
        opts.log?.(`queue error: ${(e as Error).message}`);
      }
      if (!worked && !stopped) {
        await sleep(opts.pollMs ?? 1000, wakeCtl.signal);
        wakeCtl = new AbortController();
      }
    }
  })();
  return {
    wake: () => wakeCtl.abort(),
    stop: async () => {
      stopped = true;
      wakeCtl.abort();
      await loop;
    },
  };
}

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      db: { type: "string" },
      data: { type: "string" },
      "lease-ms": { type: "string", default: "30000" },
      "poll-ms": { type: "string", default: "1000" },
      "delay-per-image-ms": { type: "string", default: "0" },
      owner: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || !values.db || !values.data) {
    const usage = `usage: npx -y deno@2.9.6 task worker --db URL --data DATASET [options]

A scoring worker for a shared PostgreSQL store: claims queued submissions (FOR UPDATE SKIP
LOCKED, under a renewable lease) and scores them against DATASET's targets.

Options:
  --db URL                 the store serve uses (postgres://…; required)
  --data DIR               dataset with val/rgb and hidden/test/rgb (required)
  --lease-ms N             lease length; a job whose worker stops renewing is retried (default 30000)
  --poll-ms N              queue poll interval (default 1000)
  --owner ID               worker name in the store (default: worker-<random UUID>)
  --delay-per-image-ms N   testing only: slow scoring down (default 0)
  --help                   this text`;
    if (values.help) console.log(usage);
    else console.error(`worker: --db and --data are required (see --help)`);
    Deno.exit(values.help ? 0 : 2);
  }
  const db = await openDb(values.db);
  await migrate(db, LEADERBOARD_MIGRATIONS);
  const w = startWorker({
    db,
    dataDir: values.data,
    owner: values.owner,
    leaseMs: Number(values["lease-ms"]),
    pollMs: Number(values["poll-ms"]),
    delayPerImageMs: Number(values["delay-per-image-ms"]),
    scoreModel: createThreadedModelScorer(),
    log: (l) => console.log(l),
  });
  const stop = async () => {
    await w.stop();
    await db.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  console.log(`worker ready`);
}

if (import.meta.main) {
  // A user's mistake (bad option, unreachable store) is one line and exit 2, never a stack trace.
  await main(Deno.args).catch((e) => {
    console.error(`error: ${printable(String((e as Error)?.message ?? e))}`);
    Deno.exit(2);
  });
}
