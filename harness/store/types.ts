/**
 * Contracts of the results store. One schema, two engines: SQLite through `node:sqlite` (embedded
 * default) and PostgreSQL (shared, multi-machine). SQL is written once with `$1, $2, …` placeholders.
 * @module
 */

/** A value bound to or read from SQL. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

/** A minimal async database handle shared by the harness and the leaderboard. */
export interface Db {
  /** Engine behind the handle. */
  readonly dialect: "sqlite" | "postgres";
  /** Runs one statement; `$n` placeholders. Returns the number of changed rows. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** All rows of a query. */
  all<T = Record<string, SqlValue>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** First row of a query, or undefined. */
  get<T = Record<string, SqlValue>>(
    sql: string,
    params?: readonly SqlValue[],
  ): Promise<T | undefined>;
  /** Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Closes the connection(s). */
  close(): Promise<void>;
}

/** One schema step. `id` orders migrations within their namespace (e.g. `results/001_init`). */
export interface Migration {
  /** Unique, sortable id: `<namespace>/<NNN>_<name>`. */
  readonly id: string;
  /** DDL for SQLite. */
  readonly sqlite: string;
  /** DDL for PostgreSQL. */
  readonly postgres: string;
}

/** A metric summary: mean over images with a bootstrap 95% interval. */
export interface Interval {
  /** Mean over images. */
  readonly mean: number;
  /** Lower bound of the 95% interval. */
  readonly lo: number;
  /** Upper bound of the 95% interval. */
  readonly hi: number;
}

/** Per-image scores of one rendered image. */
export interface ImageScore {
  /** Image stem. */
  readonly image: string;
  /** PSNR in dB (capped at 100 for identical images; `psnrCapped` says so). */
  readonly psnr: number;
  /** SSIM. */
  readonly ssim: number;
  /** Mean CIEDE2000. */
  readonly deltaE2000: number;
  /** True when the PSNR was infinite (identical images) and capped. */
  readonly psnrCapped?: boolean;
}

/** One row of a phase's leaderboard. */
export interface LeaderboardRow {
  /** Method (or submission) name. */
  readonly method: string;
  /** Phase, `val` or `test`. */
  readonly phase: string;
  /** Rank; tied methods share a rank. */
  readonly rank: number;
  /** PSNR summary (dB). */
  readonly psnr: Interval;
  /** SSIM summary. */
  readonly ssim: Interval;
  /** ΔE2000 summary. */
  readonly deltaE2000: Interval;
  /** Learned parameters. */
  readonly params: number;
  /** Inference time per megapixel of output, ms. */
  readonly msPerMegapixel: number;
  /** True for upper bounds that saw the true pairs. */
  readonly usesTruth: boolean;
  /** When the result was recorded (ISO 8601). */
  readonly createdAt: string;
  /** Run id the row comes from. */
  readonly runId: string;
}
