/**
 * Multi-threaded SSIM and ΔE2000 for large images: the image is split into bands (SSIM: bands
 * of output rows, each sent with the `window − 1` rows it overlaps; ΔE2000: pixel ranges), the
 * calling thread computes one band itself while the workers compute the others, and the partial
 * sums are added. Results equal the single-threaded {@link ssim} and {@link deltaE2000} up to
 * float64 summation order (~1e-15). PSNR is not offered: copying the bands to the workers costs
 * more than the one pass PSNR needs.
 * @module
 */
import type { RgbImage } from "../harness/types.ts";
import { checkFinite, checkPair, DEFAULT_NAMES, type MetricOptions } from "./check.ts";
import { deltaE2000Sum } from "./ciede2000.ts";
import type { PoolJob, PoolReply } from "./pool_worker.ts";
import { checkSsimInput, type SsimOptions, ssimRowSums, ssimValid } from "./ssim.ts";

/** Options for {@link MetricPool.create}. */
export interface MetricPoolOptions {
  /** Worker threads besides the calling one; default `hardwareConcurrency − 1` (at least 1). */
  readonly workers?: number;
  /** Images with fewer pixels are computed on the calling thread alone; default 65 536. */
  readonly minPixels?: number;
}

interface Pending {
  resolve(sum: number): void;
  reject(e: Error): void;
}

/**
 * A fixed set of metric workers. Create once, reuse for every image, close when done (open
 * workers keep the process alive).
 * @example
 * ```ts
 * using pool = MetricPool.create();
 * const s = await pool.ssim(pred, gt);
 * const de = await pool.deltaE2000(pred, gt);
 * ```
 */
export class MetricPool implements Disposable {
  readonly #workers: Worker[];
  readonly #pending = new Map<number, Pending>();
  readonly #minPixels: number;
  #nextId = 0;
  #closed = false;

  private constructor(workers: Worker[], minPixels: number) {
    this.#workers = workers;
    this.#minPixels = minPixels;
    for (const w of workers) {
      w.onmessage = (ev: MessageEvent<PoolReply>) => this.#settle(ev.data);
      w.onerror = (ev: ErrorEvent) => {
        ev.preventDefault();
        this.#failAll(new Error(`metric worker crashed: ${ev.message}`));
      };
    }
  }

  /** Starts the workers. */
  static create(opts: MetricPoolOptions = {}): MetricPool {
    const n = opts.workers ?? Math.max(1, (navigator.hardwareConcurrency ?? 2) - 1);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`workers must be ≥ 1, got ${n}`);
    const url = new URL("./pool_worker.ts", import.meta.url);
    const workers = Array.from({ length: n }, () => new Worker(url, { type: "module" }));
    return new MetricPool(workers, opts.minPixels ?? 65536);
  }

  /** Number of worker threads. */
  get size(): number {
    return this.#workers.length;
  }

  /**
   * {@link ssim}, split across the pool.
   * @throws {InputError} as {@link ssim} does (rejects the promise)
   */
  ssim(pred: RgbImage, gt: RgbImage, opts: SsimOptions = {}): Promise<number> {
    const profile = opts.profile ?? "ntire";
    return Promise.resolve().then(() => {
      const win = checkSsimInput(pred, gt, opts);
      const { width, height } = gt;
      if (width * height < this.#minPixels) {
        return ssimValid(pred.data, gt.data, width, height, win);
      }
      const k = win.weights.length;
      const outRows = height - k + 1;
      const bands = splitRange(outRows, this.#workers.length + 1);
      const row = width * 3;
      const parts = bands.slice(1).map(([r0, r1], i) =>
        this.#run(i, {
          id: 0,
          op: "ssim",
          pred: pred.data.slice(r0 * row, (r1 + k - 1) * row),
          gt: gt.data.slice(r0 * row, (r1 + k - 1) * row),
          width,
          height: r1 - r0 + k - 1,
          profile,
        })
      );
      const [r0, r1] = bands[0];
      const own = ssimRowSums(pred.data, gt.data, width, height, win, r0, r1);
      return Promise.all(parts).then((sums) =>
        sums.reduce((s, v) => s + v, own) / (outRows * (width - k + 1) * 3)
      );
    });
  }

  /**
   * {@link deltaE2000}, split across the pool.
   * @throws {InputError} as {@link deltaE2000} does (rejects the promise)
   */
  deltaE2000(pred: RgbImage, gt: RgbImage, opts: MetricOptions = {}): Promise<number> {
    return Promise.resolve().then(() => {
      const names = opts.names ?? DEFAULT_NAMES;
      checkPair(pred, gt, names);
      checkFinite(pred, names.pred);
      checkFinite(gt, names.gt);
      const n = gt.width * gt.height;
      if (n < this.#minPixels) return deltaE2000Sum(pred.data, gt.data) / n;
      const bands = splitRange(n, this.#workers.length + 1);
      const parts = bands.slice(1).map(([a, b], i) =>
        this.#run(i, {
          id: 0,
          op: "de2000",
          pred: pred.data.slice(3 * a, 3 * b),
          gt: gt.data.slice(3 * a, 3 * b),
        })
      );
      const [a, b] = bands[0];
      const own = deltaE2000Sum(pred.data.subarray(3 * a, 3 * b), gt.data.subarray(3 * a, 3 * b));
      return Promise.all(parts).then((sums) => sums.reduce((s, v) => s + v, own) / n);
    });
  }

  /** Terminates the workers; pending calls reject. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#failAll(new Error("metric pool closed"));
  }

  /** Closes the pool (`using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  #run(worker: number, job: PoolJob): Promise<number> {
    if (this.#closed) return Promise.reject(new Error("metric pool closed"));
    const id = this.#nextId++;
    return new Promise<number>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const transfer = [job.pred.buffer as ArrayBuffer, job.gt.buffer as ArrayBuffer];
      this.#workers[worker].postMessage({ ...job, id }, transfer);
    });
  }

  #settle(reply: PoolReply): void {
    const p = this.#pending.get(reply.id);
    if (!p) return;
    this.#pending.delete(reply.id);
    if (reply.error !== undefined) p.reject(new Error(`metric worker: ${reply.error}`));
    else p.resolve(reply.sum!);
  }

  #failAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }
}

/** Splits [0, n) into `parts` contiguous near-equal ranges (first ones one longer). */
function splitRange(n: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const base = Math.floor(n / parts);
  let extra = n % parts;
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const len = base + (extra > 0 ? 1 : 0);
    if (extra > 0) extra--;
    out.push([start, start + len]);
    start += len;
  }
  return out;
}
