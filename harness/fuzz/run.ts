/**
 * Runs fuzz cases one by one and keeps the figures the security notes quote: cases tried and
 * handled, the worst time of a case, and the peak resident memory seen after each case.
 * @module
 */
import type { FuzzCase } from "./cases.ts";
import { isUserError } from "./cases.ts";
import { printable } from "../text.ts";

/** A case that was not handled. */
export interface FuzzFailure {
  /** The case. */
  readonly name: string;
  /** What happened instead of a result or a typed user error. */
  readonly error: string;
}

/** Figures of a fuzz run. */
export interface FuzzReport {
  /** Cases run. */
  tried: number;
  /** Cases that returned or failed with a typed user error, within the time limit. */
  handled: number;
  /** Cases that returned a result (the rest of the handled ones were refused). */
  accepted: number;
  /** The others. */
  failures: FuzzFailure[];
  /** Slowest case, ms, and its name. */
  worstMs: number;
  worstCase: string;
  /** Largest resident set size seen after a case, MiB. */
  peakRssMb: number;
}

/** Options of {@link runFuzz}. */
export interface FuzzRunOptions {
  /** Time allowed per case, ms (default 5000); slower cases count as failures. */
  caseLimitMs?: number;
  /** Called after each case. */
  onCase?: (c: FuzzCase, ok: boolean, ms: number) => void;
}

/**
 * Runs the cases in order.
 * @example
 * ```ts
 * const r = await runFuzz(formatCases("png", 0, 100));
 * console.log(r.handled, "/", r.tried);
 * ```
 */
export async function runFuzz(
  cases: readonly FuzzCase[],
  opts: FuzzRunOptions = {},
): Promise<FuzzReport> {
  const limit = opts.caseLimitMs ?? 5000;
  const r: FuzzReport = {
    tried: 0,
    handled: 0,
    accepted: 0,
    failures: [],
    worstMs: 0,
    worstCase: "",
    peakRssMb: Deno.memoryUsage().rss / 2 ** 20,
  };
  for (const c of cases) {
    r.tried++;
    const t0 = performance.now();
    let error: string | undefined;
    let accepted = false;
    try {
      await c.run();
      accepted = true;
    } catch (e) {
      if (!isUserError(e)) error = `${(e as Error)?.name}: ${(e as Error)?.message ?? e}`;
    }
    const ms = performance.now() - t0;
    if (!error && ms > limit) error = `took ${ms.toFixed(0)} ms (limit ${limit})`;
    if (error) r.failures.push({ name: printable(c.name, true), error: printable(error) });
    else {
      r.handled++;
      if (accepted) r.accepted++;
    }
    if (ms > r.worstMs) {
      r.worstMs = ms;
      r.worstCase = printable(c.name, true);
    }
    r.peakRssMb = Math.max(r.peakRssMb, Deno.memoryUsage().rss / 2 ** 20);
    opts.onCase?.(c, !error, ms);
  }
  return r;
}

/** Adds up reports of several runs. */
export function mergeReports(reports: readonly FuzzReport[]): FuzzReport {
  const worst = reports.reduce((a, b) => (b.worstMs > a.worstMs ? b : a), reports[0]);
  return {
    tried: reports.reduce((n, x) => n + x.tried, 0),
    handled: reports.reduce((n, x) => n + x.handled, 0),
    accepted: reports.reduce((n, x) => n + x.accepted, 0),
    failures: reports.flatMap((x) => x.failures),
    worstMs: worst.worstMs,
    worstCase: worst.worstCase,
    peakRssMb: Math.max(...reports.map((x) => x.peakRssMb)),
  };
}
