/**
 * Opens a results database from a URL-like string, picking the engine by its form.
 * @module
 */
import { OptionError } from "../errors.ts";
import { openPostgres } from "./postgres.ts";
import { openSqlite } from "./sqlite.ts";
import type { Db } from "./types.ts";

/** Settings of {@link openDb}. */
export interface OpenDbOptions {
  /** PostgreSQL schema to create and use (also `?schema=NAME` in the URL). Ignored for SQLite. */
  schema?: string;
  /** SQLite busy timeout, ms (default 10 000). */
  busyTimeoutMs?: number;
  /** Largest PostgreSQL pool size (default 4). */
  maxConnections?: number;
  /** Option name used in error messages (default `--db`). */
  option?: string;
}

/**
 * Opens a database: `postgres://…` / `postgresql://…` (optionally `?schema=NAME`), `sqlite:PATH`,
 * `:memory:`, or a plain file path (SQLite; parent folders are created).
 *
 * @throws {OptionError} for an empty URL or an unknown `scheme://`
 * @example
 * ```ts
 * const db = await openDb("out/results.sqlite");
 * const pg = await openDb("postgres://ispbench:ispbench@127.0.0.1:5432/ispbench?schema=bench");
 * ```
 */
export async function openDb(url: string, opts: OpenDbOptions = {}): Promise<Db> {
  const option = opts.option ?? "--db";
  const text = url.trim();
  if (text === "") throw new OptionError(option, "empty database URL");
  if (/^postgres(ql)?:\/\//i.test(text)) {
    const u = new URL(text);
    const schema = opts.schema ?? u.searchParams.get("schema") ?? undefined;
    u.searchParams.delete("schema");
    try {
      return await openPostgres(u.toString(), { schema, maxConnections: opts.maxConnections });
    } catch (e) {
      if (e instanceof RangeError) throw new OptionError(option, e.message);
      throw e;
    }
  }
  let path = text;
  if (/^sqlite:/i.test(path)) path = path.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new OptionError(
      option,
      `unsupported database URL '${text}' (sqlite:PATH or postgres://)`,
    );
  }
  if (path === "") throw new OptionError(option, `no file path in '${text}'`);
  return openSqlite(path, { busyTimeoutMs: opts.busyTimeoutMs });
}
