/**
 * The leaderboard's own tables (teams, tokens, submissions, their payloads, the job queue, daily
 * counters, phase state), applied through the store's `migrate` under the `leaderboard/` namespace.
 * Times are ISO 8601 text; lease deadlines are epoch milliseconds so workers can compare them
 * without clock-format ambiguity.
 * @module
 */
import type { Migration } from "../harness/store/types.ts";

const INIT_SQLITE = `
CREATE TABLE lb_teams (
  name TEXT PRIMARY KEY,
  daily_limit INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE lb_tokens (
  hash TEXT PRIMARY KEY,
  team TEXT,
  role TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE TABLE lb_submissions (
  id TEXT PRIMARY KEY,
  team TEXT NOT NULL,
  phase TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT,
  size_bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  summary TEXT
);
CREATE INDEX lb_submissions_team ON lb_submissions (team, created_at);
CREATE TABLE lb_payloads (
  submission_id TEXT PRIMARY KEY,
  bytes BLOB NOT NULL,
  manifest TEXT
);
CREATE TABLE lb_jobs (
  id TEXT PRIMARY KEY,
  submission_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires INTEGER,
  error TEXT,
  created_ms INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX lb_jobs_claim ON lb_jobs (status, created_ms);
CREATE TABLE lb_daily (
  team TEXT NOT NULL,
  day TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (team, day)
);
CREATE TABLE lb_phases (
  phase TEXT PRIMARY KEY,
  revealed INTEGER NOT NULL,
  revealed_at TEXT
);
CREATE TABLE lb_image_scores (
  submission_id TEXT NOT NULL,
  image TEXT NOT NULL,
  psnr REAL NOT NULL,
  ssim REAL NOT NULL,
  delta_e REAL NOT NULL,
  psnr_capped INTEGER NOT NULL,
  PRIMARY KEY (submission_id, image)
);
`;

/** PostgreSQL differs in types only: BYTEA, BIGINT milliseconds, double precision. */
const INIT_POSTGRES = INIT_SQLITE
  .replace("bytes BLOB NOT NULL", "bytes BYTEA NOT NULL")
  .replace("lease_expires INTEGER", "lease_expires BIGINT")
  .replace("created_ms INTEGER NOT NULL", "created_ms BIGINT NOT NULL")
  .replaceAll("REAL NOT NULL", "DOUBLE PRECISION NOT NULL");

/**
 * Migrations of the leaderboard tables, in order. Pass them to the store's `migrate`.
 * @example
 * ```ts
 * await migrate(db, LEADERBOARD_MIGRATIONS);
 * ```
 */
export const LEADERBOARD_MIGRATIONS: readonly Migration[] = [
  { id: "leaderboard/001_init", sqlite: INIT_SQLITE, postgres: INIT_POSTGRES },
  // Output crops are made by the scoring worker for valid validation submissions only, so the web
  // server never decodes an uploaded image.
  {
    id: "leaderboard/002_crops",
    sqlite: "CREATE TABLE lb_crops (submission_id TEXT NOT NULL, image TEXT NOT NULL, " +
      "png BLOB NOT NULL, PRIMARY KEY (submission_id, image));",
    postgres: "CREATE TABLE lb_crops (submission_id TEXT NOT NULL, image TEXT NOT NULL, " +
      "png BYTEA NOT NULL, PRIMARY KEY (submission_id, image));",
  },
];
