/**
 * Renders one validation crop in a worker thread with a time limit, so decoding an image (even
 * the organizer's own files) never runs on the web server's request thread. Uploaded outputs are
 * never rendered here: their crops are made by the scoring worker (see `scoring.ts`).
 * @module
 */
import { type CropKind, renderCrop, type ValFiles } from "./crops.ts";

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
export function renderCropInThread(
  kind: CropKind,
  files: ValFiles,
  output: Uint8Array | undefined,
  timeoutMs = 30_000,
): Promise<Uint8Array | undefined> {
  const w = new Worker(import.meta.url, { type: "module" });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      w.terminate();
      reject(new CropTimeoutError(timeoutMs));
    }, timeoutMs);
    w.onmessage = (ev: MessageEvent<Reply>) => {
      clearTimeout(timer);
      w.terminate();
      if (ev.data.ok) resolve(ev.data.png);
      else reject(new Error(ev.data.message));
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      clearTimeout(timer);
      w.terminate();
      reject(new Error(`crop thread failed: ${ev.message}`));
    };
    const req: Request = { kind, files, output };
    w.postMessage(req);
  });
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
