/**
 * Renders one validation crop in a worker thread with a time limit, so decoding an image (even
 * the organizer's own files) never runs on the web server's request thread. Uploaded outputs are
 * never rendered here: their crops are made by the scoring worker (see `scoring.ts`).
 * @module
 */
import { type CropKind, renderCrop, type ValFiles } from "./crops.ts";
import { runInThread, warmThread } from "./thread_pool.ts";

/** Request to the thread. */
interface Request {
  kind: CropKind;
  files: ValFiles;
  output?: Uint8Array;
}

/** Answer of the thread. */
type Reply = { ok: true; png: Uint8Array | undefined } | { ok: false; message: string };

/** Raised when a crop took longer than its limit (worth retrying later, unlike a failure). */
export class CropTimeoutError extends Error {
  /** @param ms the limit */
  constructor(ms: number) {
    super(`crop took longer than ${ms} ms`);
    this.name = "CropTimeoutError";
  }
}

/**
 * Renders a crop off the calling thread; `undefined` when there is nothing to show.
 * @throws {CropTimeoutError} past `timeoutMs` (default 30 s)
 * @throws {Error} when rendering fails
 * @example
 * ```ts
 * const png = await renderCropInThread("target", files, undefined);
 * ```
 */
export async function renderCropInThread(
  kind: CropKind,
  files: ValFiles,
  output: Uint8Array | undefined,
  timeoutMs = 30_000,
): Promise<Uint8Array | undefined> {
  const r = await runInThread<Request, Reply>(import.meta.url, { kind, files, output }, {
    timeoutMs,
    onTimeout: () => new CropTimeoutError(timeoutMs),
  });
  if (r.ok) return r.png;
  throw new Error(r.message);
}

/** Starts an idle crop thread now, so the first crop does not pay for starting one. */
export function warmCropThread(): void {
  warmThread(import.meta.url);
}

if ("WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as {
    onmessage: (ev: MessageEvent<Request>) => void;
    postMessage: (r: Reply) => void;
  };
  scope.onmessage = async (ev) => {
    try {
      scope.postMessage({
        ok: true,
        png: await renderCrop(ev.data.kind, ev.data.files, ev.data.output),
      });
    } catch (e) {
      scope.postMessage({ ok: false, message: (e as Error).message });
    }
  };
}
