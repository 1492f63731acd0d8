/**
 * The harness's results tables as the leaderboard's {@link ResultsSource}.
 * @module
 */
import { leaderboard, methodInfo, perImageScores } from "../harness/store/results.ts";
import type { Db } from "../harness/store/types.ts";
import type { ResultsSource } from "./board.ts";

/**
 * Reads method results from the store's results tables (`runs`, `scores`, `methods`).
 * @example
 * ```ts
 * const app = await createApp({ db, results: storeResults(db) });
 * ```
 */
export function storeResults(db: Db): ResultsSource {
  return {
    leaderboard: (phase) => leaderboard(db, phase),
    perImageScores: (method, phase) => perImageScores(db, method, phase),
    async methodInfo(method) {
      const m = await methodInfo(db, method);
      if (!m) return undefined;
      return {
        name: m.name,
        description: m.description,
        params: m.params,
        options: m.optionSpec ?? {},
        usesTruth: m.usesTruth,
      };
    },
  };
}
