/**
 * Serves the leaderboard with an in-process scoring worker:
 *
 * ```sh
 * deno task serve [--port 8000] [--host 127.0.0.1] [--db out/results.sqlite] [--data DATASET]
 *                 [--outputs DIR] [--no-worker] [--max-upload-mb 64] [--cache-ttl-ms 5000]
 * ```
 * With a PostgreSQL `--db`, more workers can run elsewhere (`leaderboard/worker.ts`).
 * @module
 */
import { parseArgs } from "node:util";
import { printable } from "../harness/text.ts";
import { OptionError } from "../harness/errors.ts";
import { migrate } from "../harness/store/migrate.ts";
import { openDb } from "../harness/store/open.ts";
import { RESULTS_MIGRATIONS } from "../harness/store/results.ts";
import type { Db } from "../harness/store/types.ts";
import { createApp } from "./app.ts";
import { createBoardCache } from "./cache.ts";
import { warmCropThread } from "./crop_thread.ts";
import { warmScoringThread } from "./score_thread.ts";
import { createThreadedModelScorer } from "./model_thread.ts";
import { storeResults } from "./results.ts";
import { LEADERBOARD_MIGRATIONS } from "./schema.ts";
import { startWorker, type WorkerHandle } from "./worker.ts";

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
  /** Called with the bound port once listening. */
  onListen?: (port: number) => void;
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
    requestLimit: opts.requestsPerMinute === 0
      ? { max: Number.MAX_SAFE_INTEGER, windowMs: 60_000 }
      : { max: opts.requestsPerMinute ?? 600, windowMs: 60_000 },
    bodyTimeoutMs: opts.bodyTimeoutMs,
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
  const server = Deno.serve({
    port: opts.port ?? 8000,
    hostname: opts.hostname ?? "127.0.0.1",
    onListen: (addr) => {
      bound = addr.port;
      opts.onListen?.(addr.port);
    },
  }, app.fetch);
  return {
    get port() {
      return bound || server.addr.port;
    },
    async close() {
      await worker?.stop();
      await server.shutdown();
    },
  };
}

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
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
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "usage: deno task serve [--port N] [--host H] [--db URL] [--data DATASET] [--outputs DIR] " +
        "[--no-worker] [--max-upload-mb N] [--cache-ttl-ms N] [--requests-per-minute N (0: off)]",
    );
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OptionError("--port", `'${values.port}' is not a port number`);
  }
  const mb = Number(values["max-upload-mb"]);
  if (!(mb > 0)) {
    throw new OptionError("--max-upload-mb", `'${values["max-upload-mb"]}' must be > 0`);
  }
  const rpm = Number(values["requests-per-minute"]);
  if (!Number.isInteger(rpm) || rpm < 0) {
    throw new OptionError(
      "--requests-per-minute",
      `'${values["requests-per-minute"]}' is not a count`,
    );
  }
  const db = await openDb(values.db);
  await migrate(db, [...RESULTS_MIGRATIONS, ...LEADERBOARD_MIGRATIONS]);
  const s = await serveLeaderboard({
    db,
    dataDir: values.data,
    outputsDir: values.outputs,
    port,
    hostname: values.host,
    worker: !values["no-worker"],
    maxUploadBytes: mb * 2 ** 20,
    cacheTtlMs: Number(values["cache-ttl-ms"]),
    requestsPerMinute: rpm,
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
