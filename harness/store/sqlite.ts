/**
 * The embedded engine: a {@link Db} over `node:sqlite` (`DatabaseSync`). The file is opened in WAL
 * mode with a busy timeout so several processes (bench runs, the leaderboard server) can share it.
 *
 * One connection serves the handle, so calls are queued: while a transaction runs, other calls on
 * the handle wait for it. Inside `transaction(fn)`, use the `tx` handle only: awaiting the outer
 * handle from inside `fn` would wait for the transaction itself.
 * @module
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { dirname } from "node:path";
import type { Db, SqlValue } from "./types.ts";
import { toSqlitePlaceholders } from "./sql.ts";

/** Settings of {@link openSqlite}. */
export interface SqliteOptions {
  /** How long a writer waits for another process's lock, ms (default 10 000). */
  busyTimeoutMs?: number;
}

/** Serialises async work on one connection: a transaction owns it until it settles. */
class Queue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

function bind(params: readonly SqlValue[]): SQLInputValue[] {
  return params.map((p) => (typeof p === "boolean" ? (p ? 1 : 0) : p));
}

/** A handle that runs statements directly on the connection (no queueing). */
function directDb(conn: DatabaseSync, depth: number, queue: Queue): Db {
  const cache = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  const prepare = (sql: string) => {
    let st = cache.get(sql);
    if (!st) {
      st = conn.prepare(toSqlitePlaceholders(sql));
      cache.set(sql, st);
    }
    return st;
  };
  const db: Db = {
    dialect: "sqlite",
    run(sql, params = []) {
      const r = prepare(sql).run(...bind(params));
      return Promise.resolve({ changes: Number(r.changes) });
    },
    all<T>(sql: string, params: readonly SqlValue[] = []) {
      // Rows come with a null prototype; plain objects compare and serialise like PostgreSQL's.
      return Promise.resolve(prepare(sql).all(...bind(params)).map((r) => ({ ...r })) as T[]);
    },
    get<T>(sql: string, params: readonly SqlValue[] = []) {
      const row = prepare(sql).get(...bind(params));
      return Promise.resolve(row ? { ...row } as T : undefined);
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      // Nested transactions become savepoints of the enclosing one.
      const sp = `sp_${depth}`;
      conn.exec(`SAVEPOINT ${sp}`);
      try {
        const out = await fn(directDb(conn, depth + 1, queue));
        conn.exec(`RELEASE ${sp}`);
        return out;
      } catch (e) {
        conn.exec(`ROLLBACK TO ${sp}`);
        conn.exec(`RELEASE ${sp}`);
        throw e;
      }
    },
    close() {
      return Promise.reject(new Error("close() inside a transaction"));
    },
  };
  return db;
}

/**
 * Opens (creating if needed) an SQLite database file, or `:memory:`.
 *
 * @example
 * ```ts
 * const db = openSqlite("out/results.sqlite");
 * await db.run("CREATE TABLE IF NOT EXISTS t (x TEXT)");
 * await db.run("INSERT INTO t (x) VALUES ($1)", ["a"]);
 * await db.close();
 * ```
 */
export function openSqlite(path: string, opts: SqliteOptions = {}): Db {
  if (path !== ":memory:") Deno.mkdirSync(dirname(path), { recursive: true });
  const conn = new DatabaseSync(path);
  const timeout = opts.busyTimeoutMs ?? 10_000;
  conn.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(timeout))}`);
  if (path !== ":memory:") conn.exec("PRAGMA journal_mode = WAL");
  conn.exec("PRAGMA foreign_keys = ON");
  const queue = new Queue();
  const direct = directDb(conn, 1, queue);
  let closed = false;
  const guard = () => {
    if (closed) throw new Error("database is closed");
  };
  return {
    dialect: "sqlite",
    run: (sql, params) => queue.run(() => (guard(), direct.run(sql, params))),
    all: <T>(sql: string, params?: readonly SqlValue[]) =>
      queue.run(() => (guard(), direct.all<T>(sql, params))),
    get: <T>(sql: string, params?: readonly SqlValue[]) =>
      queue.run(() => (guard(), direct.get<T>(sql, params))),
    transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      // The queue keeps other callers of this handle out of the transaction while `fn` awaits;
      // BEGIN IMMEDIATE takes the write lock up front so two processes never deadlock on upgrade.
      return queue.run(async () => {
        guard();
        conn.exec("BEGIN IMMEDIATE");
        try {
          const out = await fn(directDb(conn, 1, queue));
          conn.exec("COMMIT");
          return out;
        } catch (e) {
          if (conn.isTransaction) conn.exec("ROLLBACK");
          throw e;
        }
      });
    },
    close: () =>
      queue.run(() => {
        if (!closed) conn.close();
        closed = true;
      }),
  };
}
