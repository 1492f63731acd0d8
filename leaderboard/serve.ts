/**
 * Serves the leaderboard with an in-process scoring worker:
 *
 * ```sh
 * npx -y deno@2.9.6 task serve [--port 8000] [--host 127.0.0.1] [--db out/results.sqlite]
 *   [--data DATASET] [--outputs DIR] [--no-worker] [--max-upload-mb 64] [--cache-ttl-ms 5000]
 *   [--requests-per-minute 600] [--header-timeout-s 10]
 * ```
 * With a PostgreSQL `--db`, more workers can run elsewhere (`leaderboard/worker.ts`).
 * @module
 */
import { printable } from "../harness/text.ts";
import { OptionError } from "../harness/errors.ts";
import { migrate } from "../harness/store/migrate.ts";
import { openDb } from "../harness/store/open.ts";
import { RESULTS_MIGRATIONS } from "../harness/store/results.ts";
import type { Db } from "../harness/store/types.ts";
import { createApp } from "./app.ts";
import { PEER_HEADER, startFront } from "./front.ts";
import { createBoardCache } from "./cache.ts";
import { warmCropThread } from "./crop_thread.ts";
import { warmScoringThread } from "./score_thread.ts";
import { createThreadedModelScorer } from "./model_thread.ts";
import { storeResults } from "./results.ts";
import { LEADERBOARD_MIGRATIONS } from "./schema.ts";
import { startWorker, type WorkerHandle } from "./worker.ts";
import { benchFixtures, type ScorablePhases, scorablePhases, scorableReport } from "./scorable.ts";
import { cliFail, intOption, parseCli } from "../harness/cli/args.ts";

/** Settings of {@link serveLeaderboard}. */
export interface ServeOptions {
  /** Open, migrated store. */
  db: Db;
  /** Dataset folder (targets for scoring, public val files for crops). */
  dataDir?: string;
  /** Stored method outputs for crops. */
  outputsDir?: string;
  /** Port (0: any free port). Default 8000. */
  port?: number;
  /** Interface (default 127.0.0.1). */
  hostname?: string;
  /** Run the in-process scoring worker (default true when `dataDir` is set). */
  worker?: boolean;
  /** Worker poll interval, ms (default 1000). */
  pollMs?: number;
  /** Largest upload, bytes. */
  maxUploadBytes?: number;
  /** Board cache TTL, ms (default 5000). */
  cacheTtlMs?: number;
  /**
   * Requests per minute per client address (default 600; 0 turns the limit off, e.g. for load
   * benches, or behind a proxy that limits and makes every client look alike).
   */
  requestsPerMinute?: number;
  /** Time allowed for an upload's body to arrive, ms (default 120 000). */
  bodyTimeoutMs?: number;
  /**
   * Time allowed for a request's header block, ms (default 10 000): the server listens through
   * the TCP front of `front.ts`, one request per connection. 0 serves directly, without a header
   * deadline (Deno.serve has none).
   */
  headerTimeoutMs?: number;
  /** Called with the bound port once listening. */
  onListen?: (port: number) => void;
  /** Phases with targets; others refuse submissions with a 503 (default: found in `dataDir`). */
  scorable?: ScorablePhases;
}

/** A running server. */
export interface RunningServer {
  /** Bound port. */
  readonly port: number;
  /** Stops the worker and the server (the store stays open). */
  close(): Promise<void>;
}

/**
 * Starts the server (and worker) on loopback by default.
 * @example
 * ```ts
 * const s = await serveLeaderboard({ db, dataDir: "out/fixtures", port: 0 });
 * console.log(s.port);
 * await s.close();
 * ```
 */
export async function serveLeaderboard(opts: ServeOptions): Promise<RunningServer> {
  const headerTimeoutMs = opts.headerTimeoutMs ?? 10_000;
  const cache = createBoardCache({ ttlMs: opts.cacheTtlMs });
  let worker: WorkerHandle | undefined;
  const app = await createApp({
    db: opts.db,
    results: storeResults(opts.db),
    dataDir: opts.dataDir,
    outputsDir: opts.outputsDir,
    maxUploadBytes: opts.maxUploadBytes,
    cache,
    onSubmitted: () => worker?.wake(),
    // Without a local worker, workers elsewhere (with their own data) score: accept every phase.
    scorable: opts.scorable ??
      ((opts.worker ?? true) ? await scorablePhases(opts.dataDir) : undefined),
    requestLimit: opts.requestsPerMinute === 0
      ? { max: Number.MAX_SAFE_INTEGER, windowMs: 60_000 }
      : { max: opts.requestsPerMinute ?? 600, windowMs: 60_000 },
    bodyTimeoutMs: opts.bodyTimeoutMs,
    peerHeader: headerTimeoutMs > 0 ? PEER_HEADER : undefined,
  });
  // Threads start now: starting one later would pause request handling for ~0.1 s.
  if (opts.dataDir) warmCropThread();
  if ((opts.worker ?? true) && opts.dataDir) {
    warmScoringThread();
    worker = startWorker({
      db: opts.db,
      dataDir: opts.dataDir,
      pollMs: opts.pollMs,
      scoreModel: createThreadedModelScorer(),
      onDone: () => cache.invalidate(),
      log: (l) => console.error(`[worker] ${l}`),
    });
  }
  let bound = 0;
  const listen = { port: opts.port ?? 8000, hostname: opts.hostname ?? "127.0.0.1" };
  // Behind the front, the app itself listens on a free loopback port.
  const server = Deno.serve({
    ...(headerTimeoutMs > 0 ? { port: 0, hostname: "127.0.0.1" } : listen),
    onListen: (addr) => {
      if (headerTimeoutMs > 0) return;
      bound = addr.port;
      opts.onListen?.(addr.port);
    },
  }, app.fetch);
  const front = headerTimeoutMs > 0
    ? startFront({
      ...listen,
      upstream: { hostname: "127.0.0.1", port: server.addr.port },
      headerTimeoutMs,
      onListen: opts.onListen,
    })
    : undefined;
  return {
    get port() {
      return front?.port ?? (bound || server.addr.port);
    },
    async close() {
      await worker?.stop();
      await front?.close();
      await server.shutdown();
    },
  };
}

const USAGE = `usage: npx -y deno@2.9.6 task serve [options]

Serves the leaderboard site, its JSON API and the submission service, with an in-process
worker that scores queued submissions against the dataset's targets (val/rgb for validation,
hidden/test/rgb for the hidden test phase). It logs at startup which phases it can score;
submissions to a phase without targets are refused with 503.

Options:
  --port N             port (default 8000; 0: any free port)
  --host H             interface (default 127.0.0.1)
  --db URL             store: PATH, sqlite:PATH or postgres://… (default out/results.sqlite,
                       where deno task bench writes)
  --data DIR           dataset with the targets (default: the bench's fixtures,
                       <outputs>/fixtures/small-seed0, when they exist)
  --outputs DIR        the bench's output folder, for method output crops (default out)
  --no-worker          do not score here (workers elsewhere: leaderboard/worker.ts, PostgreSQL)
  --max-upload-mb N    largest upload in MiB (default 64)
  --cache-ttl-ms N     leaderboard page cache lifetime in ms (default 5000)
  --requests-per-minute N  requests per client address and minute (default 600; 0: no limit)
  --header-timeout-s N time allowed for a request's headers, one request per connection
                       (default 10; 0: no deadline, keep-alive, Deno.serve directly)
  --help               this text`;

async function main(args: string[]): Promise<void> {
  const { values: v } = parseCli({
    name: "serve",
    usage: USAGE,
    args,
    options: {
      port: { type: "string", default: "8000" },
      host: { type: "string", default: "127.0.0.1" },
      db: { type: "string", default: "out/results.sqlite" },
      data: { type: "string" },
      outputs: { type: "string", default: "out" },
      "no-worker": { type: "boolean", default: false },
      "max-upload-mb": { type: "string", default: "64" },
      "cache-ttl-ms": { type: "string", default: "5000" },
      "requests-per-minute": { type: "string", default: "600" },
      "header-timeout-s": { type: "string", default: "10" },
    },
  });
  const values = v as Record<string, string | undefined> & { "no-worker"?: boolean };
  let port = 0, mb = 0, ttl = 0, rpm = 0, headerS = 0;
  try {
    port = intOption(values.port, "--port", { min: 0, max: 65535 });
    mb = intOption(values["max-upload-mb"], "--max-upload-mb", { max: 1 << 20 });
    ttl = intOption(values["cache-ttl-ms"], "--cache-ttl-ms", { min: 0 });
    rpm = intOption(values["requests-per-minute"], "--requests-per-minute", { min: 0 });
    headerS = intOption(values["header-timeout-s"], "--header-timeout-s", { min: 0, max: 3600 });
  } catch (e) {
    if (!(e instanceof OptionError)) throw e;
    cliFail("serve", e.message);
  }
  let dataDir = values.data;
  if (dataDir === undefined) {
    dataDir = await benchFixtures(values.outputs!);
    if (dataDir) console.error(`no --data: using the bench's fixtures in ${dataDir}`);
  } else if (!(await Deno.stat(dataDir).then((s) => s.isDirectory, () => false))) {
    cliFail("serve", `--data: ${dataDir} is not a folder`);
  }
  const scorable = values["no-worker"] ? undefined : await scorablePhases(dataDir);
  console.error(
    scorable
      ? scorableReport(scorable, dataDir)
      : "--no-worker: submissions are queued for workers elsewhere (leaderboard/worker.ts)",
  );
  const db = await openDb(values.db!);
  await migrate(db, [...RESULTS_MIGRATIONS, ...LEADERBOARD_MIGRATIONS]);
  const s = await serveLeaderboard({
    db,
    dataDir,
    outputsDir: values.outputs,
    port,
    hostname: values.host,
    worker: !values["no-worker"],
    maxUploadBytes: mb * 2 ** 20,
    cacheTtlMs: ttl,
    scorable,
    requestsPerMinute: rpm,
    headerTimeoutMs: headerS * 1000,
    onListen: (p) => console.log(`leaderboard on http://${values.host}:${p}/`),
  });
  const stop = async () => {
    await s.close();
    await db.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

if (import.meta.main) {
  // A user's mistake (bad option, unreachable store) is one line and exit 2, never a stack trace.
  await main(Deno.args).catch((e) => {
    console.error(`error: ${printable(String((e as Error)?.message ?? e))}`);
    Deno.exit(2);
  });
}
