/**
 * Web Worker entry that scores one result zip off the server's event loop (SSIM and ΔE2000 take
 * about a third of a second per 512×512 image), so pages stay responsive while a job runs. Input
 * errors come back as data and are rebuilt as {@link InputError}s by {@link scoreZipInThread}.
 * @module
 */
import { InputError } from "../harness/errors.ts";
import type { ZipLimits } from "../harness/io/zip.ts";
import { scoreResultZip, type SubmissionScores } from "./scoring.ts";
import { runInThread, warmThread } from "./thread_pool.ts";

/** Request to the thread. */
interface Request {
  bytes: Uint8Array;
  gtDir: string;
  file: string;
  zipLimits?: ZipLimits;
  delayPerImageMs?: number;
  cropImages?: readonly string[];
}

/** Answer of the thread. */
type Reply =
  | { ok: true; scores: SubmissionScores }
  | { ok: false; input?: { file: string; reason: string }; message: string };

/** Options of {@link scoreZipInThread}. */
export interface ThreadOptions {
  /** Name of the archive in messages. */
  file: string;
  /** Zip expansion limits. */
  zipLimits?: ZipLimits;
  /** Fault-injection delay per image (tests only). */
  delayPerImageMs?: number;
  /** Aborts the scoring (the thread is terminated). */
  signal?: AbortSignal;
  /**
   * Wall-clock limit in ms (default 600 000); past it the thread is terminated and the
   * submission fails with a message saying so.
   */
  timeoutMs?: number;
  /** Images whose output crops to make once scoring succeeded. */
  cropImages?: readonly string[];
}

/**
 * Scores a result zip in a dedicated worker thread.
 * @throws {InputError} for problems with the submission, as {@link scoreResultZip} does
 * @example
 * ```ts
 * const { summary } = await scoreZipInThread(bytes, "data/val/rgb", { file: "v1.zip" });
 * ```
 */
export async function scoreZipInThread(
  bytes: Uint8Array,
  gtDir: string,
  opts: ThreadOptions,
): Promise<SubmissionScores> {
  const limit = opts.timeoutMs ?? 600_000;
  const req: Request = {
    bytes,
    gtDir,
    file: opts.file,
    zipLimits: opts.zipLimits,
    delayPerImageMs: opts.delayPerImageMs,
    cropImages: opts.cropImages,
  };
  const r = await runInThread<Request, Reply>(import.meta.url, req, {
    timeoutMs: limit,
    onTimeout: () =>
      new InputError(opts.file, `scoring took longer than ${limit / 1000} s and was stopped`),
    signal: opts.signal,
    // Several worker loops may share a process (tests, small servers).
    maxThreads: 4,
  });
  if (r.ok) return r.scores;
  if (r.input) throw new InputError(r.input.file, r.input.reason);
  throw new Error(r.message);
}

/** Starts an idle scoring thread now, so the first job does not pay for starting one. */
export function warmScoringThread(): void {
  warmThread(import.meta.url);
}

// Inside the worker thread: score and answer once.
if (!(globalThis as { document?: unknown }).document && "WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as {
    onmessage: (ev: MessageEvent<Request>) => void;
    postMessage: (r: Reply) => void;
  };
  scope.onmessage = async (ev) => {
    const q = ev.data;
    try {
      const scores = await scoreResultZip(q.bytes, q.gtDir, {
        file: q.file,
        zipLimits: q.zipLimits,
        cropImages: q.cropImages,
        onImage: q.delayPerImageMs
          ? () => new Promise((r) => setTimeout(r, q.delayPerImageMs))
          : undefined,
      });
      scope.postMessage({ ok: true, scores });
    } catch (e) {
      const err = e as Error;
      scope.postMessage(
        e instanceof InputError
          ? { ok: false, input: { file: e.file, reason: e.reason }, message: e.message }
          : { ok: false, message: err.message },
      );
    }
  };
}
