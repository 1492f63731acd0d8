/**
 * The results store: one schema on SQLite or PostgreSQL. Open with `openResultsDb(url)`.
 * @module
 */
export type { Db, ImageScore, Interval, LeaderboardRow, Migration, SqlValue } from "./types.ts";
export { openDb, type OpenDbOptions } from "./open.ts";
export { openSqlite, type SqliteOptions } from "./sqlite.ts";
export { openPostgres, type PostgresOptions } from "./postgres.ts";
export { appliedMigrations, migrate } from "./migrate.ts";
export * from "./results.ts";
