/**
 * Scores model submissions in a worker thread: the ONNX session, its inputs and outputs, and the
 * metrics all run off the server's event loop (onnxruntime loads in Deno workers). The thread is
 * terminated when the job's lease is lost or its time limit passes.
 * @module
 */
import { InputError } from "../harness/errors.ts";
import { createModelScorer, type ModelLimits } from "./model_scoring.ts";
import type { Submission } from "./queue.ts";
import type { SubmissionScores } from "./scoring.ts";
import { runInThread } from "./thread_pool.ts";
import type { ModelScorer } from "./worker.ts";

/** Request to the thread. */
interface Request {
  sub: Submission;
  payload: { bytes: Uint8Array; manifest: string | null };
  dataDir: string;
  limits: ModelLimits;
}

/** Answer of the thread. */
type Reply =
  | { ok: true; scores: SubmissionScores }
  | { ok: false; input?: { file: string; reason: string }; message: string };

/**
 * A {@link ModelScorer} that runs {@link createModelScorer}'s work in a worker thread.
 * @param limits the model limits, as for {@link createModelScorer}
 * @param timeoutMs wall-clock limit of one submission (default 30 minutes)
 * @example
 * ```ts
 * startWorker({ db, dataDir, scoreModel: createThreadedModelScorer() });
 * ```
 */
export function createThreadedModelScorer(
  limits: ModelLimits = {},
  timeoutMs = 30 * 60_000,
): ModelScorer {
  return async (sub, payload, opts) => {
    const r = await runInThread<Request, Reply>(
      import.meta.url,
      { sub, payload, dataDir: opts.dataDir, limits },
      {
        timeoutMs,
        onTimeout: () =>
          new InputError(`${sub.name}.onnx`, `scoring took longer than ${timeoutMs / 1000} s`),
        signal: opts.signal,
        maxThreads: 2,
      },
    );
    if (r.ok) return r.scores;
    if (r.input) throw new InputError(r.input.file, r.input.reason);
    throw new Error(r.message);
  };
}

if ("WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as {
    onmessage: (ev: MessageEvent<Request>) => void;
    postMessage: (r: Reply) => void;
  };
  scope.onmessage = async (ev) => {
    const q = ev.data;
    try {
      const scores = await createModelScorer(q.limits)(q.sub, q.payload, {
        dataDir: q.dataDir,
        onImage: () => Promise.resolve(),
      });
      scope.postMessage({ ok: true, scores });
    } catch (e) {
      scope.postMessage(
        e instanceof InputError
          ? { ok: false, input: { file: e.file, reason: e.reason }, message: e.message }
          : { ok: false, message: (e as Error)?.message ?? String(e) },
      );
    }
  };
}
