/**
 * Per-phase cache of the rendered leaderboard (HTML, JSON, CSV). Entries go stale after a TTL, so
 * results written by other processes (bench runs, remote workers) appear within about it; a stale
 * entry is still served while one rebuild runs in the background, so no request waits for the
 * (bootstrap-heavy) build once a phase was rendered. A local worker's new result drops the
 * entries at once. Concurrent misses share one build.
 * @module
 */
import type { Board } from "./board.ts";
import type { Phase } from "./queue.ts";

/** What is cached per phase. */
export interface RenderedBoard {
  /** The board. */
  readonly board: Board;
  /** The leaderboard page. */
  readonly html: string;
  /** The board as JSON. */
  readonly json: string;
  /** The board as CSV. */
  readonly csv: string;
}

/** The cache. */
export interface BoardCache {
  /** Cached value, or the result of `build` (shared by concurrent callers). */
  get(phase: Phase, build: () => Promise<RenderedBoard>): Promise<RenderedBoard>;
  /** Drops every phase (new results). */
  invalidate(): void;
}

/**
 * Creates a cache whose entries live `ttlMs` (default 5000; 0 disables caching).
 * @example
 * ```ts
 * const cache = createBoardCache({ ttlMs: 2000 });
 * const { html } = await cache.get("val", build);
 * ```
 */
export function createBoardCache(opts: { ttlMs?: number } = {}): BoardCache {
  const ttl = opts.ttlMs ?? 5000;
  const entries = new Map<Phase, { at: number; value: Promise<RenderedBoard> }>();
  const refreshing = new Set<Phase>();
  let generation = 0;
  return {
    get(phase, build) {
      const hit = entries.get(phase);
      if (hit && Date.now() - hit.at < ttl) return hit.value;
      if (hit && ttl > 0) {
        if (!refreshing.has(phase)) {
          refreshing.add(phase);
          const gen = generation;
          const next = build();
          next.then(
            (v) => {
              if (gen === generation) entries.set(phase, { at: Date.now(), value: next });
              return v;
            },
            () => {}, // keep serving the stale value; the next request retries
          ).finally(() => refreshing.delete(phase));
        }
        return hit.value;
      }
      const gen = generation;
      const value = build();
      const entry = { at: Date.now(), value };
      entries.set(phase, entry);
      // A failed build is not cached; a build started before an invalidation is not kept.
      value.then(
        () => {
          if (gen !== generation && entries.get(phase) === entry) entries.delete(phase);
        },
        () => {
          if (entries.get(phase) === entry) entries.delete(phase);
        },
      );
      return value;
    },
    invalidate() {
      generation++;
      entries.clear();
    },
  };
}
